using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Soak;
/// <summary>The purger: purges by URL, tag and prefix (hard and soft) through any node, then probes every node
/// until it stops serving what was purged, recording how long each took.</summary>
internal sealed partial class SoakDriver
{
    private async Task PurgerAsync(CancellationToken stop)
    {
        var random = new Random(4242);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stop);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await PurgeOnceAsync(random, stop);
                }
                catch (HttpRequestException)
                {
                    // The origin is stopped: no new version to purge for; try again next time.
                }

                await Task.Delay(TimeSpan.FromSeconds(options.PurgeEverySeconds), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PurgeOnceAsync(Random random, CancellationToken stop)
    {
        // A popular object (so nodes hold it) is the probe; its group is the scope of group-wide purges.
        var started = Now;
        var probe = _zipf.Next(random);
        var group = SoakObject.GroupOf(probe);
        var kind = random.Next(5) switch { 0 => "url", 1 => "tag", 2 => "group-tag", 3 => "prefix", _ => "soft-url" };
        var origin = options.Origin;
        string body = kind switch
        {
            "url" or "soft-url" => $"{{\"files\": [\"{origin}{SoakObject.PathOf(probe)}\"]{(kind == "soft-url" ? ", \"soft\": true" : string.Empty)}}}",
            "tag" => $"{{\"tags\": [\"o{probe}\"]}}",
            "group-tag" => $"{{\"tags\": [\"g{group}\"]}}",
            _ => $"{{\"prefixes\": [\"{new Uri(origin).Authority}/g{group}/\"]}}",
        };

        if (kind != "soft-url")
        {
            // A new version at the origin first: after the purge, only the new one may be served.
            var scope = kind is "group-tag" or "prefix" ? $"group={group}" : $"id={probe}";
            using var bump = await _control.PostAsync($"{origin}/__bump?{scope}", null, stop);
            bump.EnsureSuccessStatusCode();
            if (kind is "group-tag" or "prefix")
            {
                _groupVersion[group]++;
            }
            else
            {
                _objectVersion[probe]++;
            }
        }

        // Through a random node; refused (503: it could not reach the other nodes) or down, the next one, for up to 30 s.
        var node = random.Next(options.Nodes.Count);
        var succeeded = false;
        for (var attempt = 0; !succeeded && Now - started < 30 && !stop.IsCancellationRequested; attempt++, node = (node + 1) % options.Nodes.Count)
        {
            if (attempt > 0 && attempt % options.Nodes.Count == 0)
            {
                await Task.Delay(500, stop);
            }

            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await _control.PostAsync($"{options.Admins[node]}/purge_cache", content, stop);
                succeeded = response.IsSuccessStatusCode;
                if (!succeeded)
                {
                    Interlocked.Increment(ref _purgeRefusals);
                }
            }
            catch (HttpRequestException)
            {
                // the node is down: purge through the next one
            }
        }

        if (!succeeded)
        {
            node = -1;
        }

        var completed = Now;
        var record = new PurgeRecord(kind, node, started, completed, succeeded);
        if (kind != "soft-url" && succeeded)
        {
            for (var id = 0; id < options.Objects; id++)
            {
                if (kind is "group-tag" or "prefix" ? SoakObject.GroupOf(id) == group : id == probe)
                {
                    Volatile.Write(ref _required[id], new Required(_objectVersion[id] + _groupVersion[SoakObject.GroupOf(id)], completed, record));
                }
            }
        }

        if (kind != "soft-url" && succeeded)
        {
            var want = _objectVersion[probe] + _groupVersion[group];
            await Task.WhenAll(Enumerable.Range(0, options.Nodes.Count).Select(async n =>
            {
                var probeRandom = new Random(n);
                while (Now - completed < 5 && !stop.IsCancellationRequested)
                {
                    var (outcome, version) = await ExecuteAsync(probe, n, "get", probeRandom, stop, record: false);
                    if (outcome == Outcome.Ok && version >= want)
                    {
                        record.DelayMs[n] = (Now - completed) * 1000;
                        return;
                    }

                    await Task.Delay(20, stop);
                }
            }));
        }

        _purges.Enqueue(record);
    }
}
