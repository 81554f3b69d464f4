using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Soak;

/// <summary>
/// The load driver: workers send Zipf-keyed requests of every kind through all nodes and verify every byte;
/// a purger purges through any node and measures how long each node takes to stop serving the old version;
/// the fault schedule runs beside them. The figures go to <see cref="SoakReport"/>.
/// </summary>
internal sealed partial class SoakDriver(SoakOptions options)
{
    /// <summary>The backplane's target: other nodes usually apply a purge within this (pub/sub); a figure, not the bound.</summary>
    public const double PropagationWindowMs = 100;

    /// <summary>
    /// The bound EdgeCache promises, for every node: a request that starts this long after the purge answered never
    /// gets purged content. Messages take milliseconds; a lost one is found by the next poll of the purge log (1 s);
    /// the purge is swept once more after 1 s (for a fill elsewhere that reached Redis before hearing of it); a busy
    /// machine adds the rest.
    /// </summary>
    public const double OtherNodesBoundMs = 2000;

    /// <summary>Whether a purged answer breaks the promise (see <see cref="OtherNodesBoundMs"/>).</summary>
    public static bool BreaksPromise(LateAnswer late) => late.AfterMs > OtherNodesBoundMs;

    private const double OriginGraceSeconds = 3;

    /// <summary>A body the origin generated this long before a purge began counts as fetched across it (a 50 MB fill takes seconds).</summary>
    private const double FillRaceSeconds = 2;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HttpClient[] _clients = [.. options.Nodes.Select(_ => NewClient(options.Concurrency * 2))];
    private readonly HttpClient _control = NewClient(16);
    private readonly Zipf _zipf = new(options.Objects, 1.1);
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentQueue<PurgeRecord> _purges = new();
    private readonly ConcurrentQueue<LateAnswer> _purgedServed = new();
    private readonly ConcurrentQueue<(double At, string Detail, bool Allowed)> _stale = new();
    private readonly ConcurrentDictionary<int, string> _lastETag = new();
    private readonly List<Fault> _faults = Fault.Load(options.FaultsFile);
    private readonly long[] _objectVersion = new long[options.Objects];
    private readonly long[] _groupVersion = new long[SoakObject.Groups];

    // Per object: the version a purge made current, when that purge completed (seconds into the run), and the purge.
    private readonly Required?[] _required = new Required?[options.Objects];

    // The origin stamps each body with the Unix time it generated it; the run's clock starts here.
    private readonly long _startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long _purgeRefusals;
    private readonly FloodTally _flood = new(options.Nodes.Count);

    private double Now => _clock.Elapsed.TotalSeconds;

    public async Task<int> RunAsync()
    {
        var until = options.Minutes * 60;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(until));
        var tasks = new List<Task>();
        for (var i = 0; i < options.Concurrency; i++)
        {
            tasks.Add(WorkerAsync(i, stop.Token));
        }

        tasks.Add(PurgerAsync(stop.Token));
        tasks.Add(FaultsAsync(stop.Token));
        await Task.WhenAll(tasks);

        var report = new SoakReport(options, [.. _samples], [.. _purges], [.. _purgedServed], [.. _stale], _faults, _flood, until, _purgeRefusals);
        return report.Write();
    }

    private static HttpClient NewClient(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private async Task WorkerAsync(int index, CancellationToken stop)
    {
        var random = new Random(index * 7919 + 17);
        while (!stop.IsCancellationRequested)
        {
            var id = _zipf.Next(random);
            var node = random.Next(options.Nodes.Count);
            var roll = random.Next(100);
            var kind = roll switch
            {
                < 62 => "get",
                < 77 => "conditional",
                < 89 => "range",
                < 94 => "slow-reader",
                _ => "abort",
            };

            // 50 MB objects are fetched whole rarely: the range and abort kinds still reach them.
            if (SoakObject.SizeOf(id) > 8 << 20 && kind is "get" or "conditional" or "slow-reader" && random.Next(8) != 0)
            {
                kind = "range";
            }

            var result = await ExecuteAsync(id, node, kind, random, stop);
            if (result.Outcome == Outcome.NodeDown)
            {
                // What a load balancer does with a refused connection: the next node.
                await ExecuteAsync(id, (node + 1) % options.Nodes.Count, kind, random, stop);
            }
        }
    }

    private async Task<(Outcome Outcome, long Version)> ExecuteAsync(int id, int node, string kind, Random random, CancellationToken stop, bool record = true)
    {
        var start = Now;
        var size = SoakObject.SizeOf(id);
        var lang = SoakObject.Varies(id) ? SoakObject.Languages[random.Next(SoakObject.Languages.Length)] : "en";
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Nodes[node] + SoakObject.PathOf(id));
        if (SoakObject.Varies(id))
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", lang);
        }

        string? sentETag = null;
        if (kind == "conditional" && _lastETag.TryGetValue(id, out var etag))
        {
            sentETag = etag;
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        long rangeFrom = 0, rangeTo = size - 1;
        if (kind == "range")
        {
            rangeFrom = random.NextInt64(size);
            rangeTo = Math.Min(size - 1, rangeFrom + random.NextInt64(1, 256 * 1024));
            request.Headers.TryAddWithoutValidation("Range", $"bytes={rangeFrom}-{rangeTo}");
        }

        Outcome outcome;
        var detail = string.Empty;
        var servedStatus = string.Empty;
        var generated = double.NaN;
        long version = -1, bytes = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(size > 8 << 20 ? 120 : 30));
        try
        {
            using var response = await _clients[node].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var cacheStatus = response.Headers.TryGetValues("Cache-Status", out var cs) ? string.Join(", ", cs) : string.Empty;
            NoteStale(start, id, cacheStatus);
            servedStatus = cacheStatus;
            if (response.Headers.TryGetValues("X-Soak-Generated", out var g) && long.TryParse(g.First(), CultureInfo.InvariantCulture, out var unixMs))
            {
                generated = (unixMs - _startUnixMs) / 1000.0;
            }
            if (status == 304)
            {
                var tag = response.Headers.ETag?.ToString();
                version = VersionFromETag(tag, id);
                (outcome, detail) = sentETag is not null && tag == sentETag ? (Outcome.Ok, string.Empty) : (Outcome.Corrupt, $"304 with ETag {tag} for If-None-Match {sentETag}");
            }
            else if (status is 200 or 206)
            {
                (outcome, detail, version, bytes) = await VerifyBodyAsync(response, id, lang, kind, status, rangeFrom, rangeTo, timeout.Token);
                if (response.Headers.ETag is { } e)
                {
                    _lastETag[id] = e.ToString();
                }
            }
            else
            {
                outcome = Explain(start, node, Outcome.CacheFailure);
                detail = $"status {status} {cacheStatus}";
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return (Outcome.Aborted, -1);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            var refused = ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
            outcome = refused && NodeFaultCovers(start, node) ? Outcome.NodeDown : Explain(start, node, Outcome.CacheFailure);
            detail = $"{ex.GetType().Name}: {ex.Message}";
        }

        if (version >= 0 && outcome is Outcome.Ok or Outcome.Aborted)
        {
            CheckPurged(start, id, node, version, servedStatus, generated, probe: !record);
        }

        if (record)
        {
            _samples.Enqueue(new Sample(start, node, kind, outcome, (Now - start) * 1000, bytes, detail));
        }

        return (outcome, version);
    }

    private async Task<(Outcome, string, long, long)> VerifyBodyAsync(HttpResponseMessage response, int id, string lang, string kind, int status, long rangeFrom, long rangeTo, CancellationToken token)
    {
        var size = SoakObject.SizeOf(id);
        long version;
        long offset = 0, expected = size;
        if (status == 206)
        {
            var range = response.Content.Headers.ContentRange;
            if (range is not { From: { } from, To: { } to, Length: { } total } || total != size || from != rangeFrom || to != rangeTo)
            {
                return (Outcome.Corrupt, $"206 with Content-Range {range} for bytes={rangeFrom}-{rangeTo}/{size}", -1, 0);
            }

            offset = from;
            expected = to - from + 1;
            version = long.TryParse(response.Headers.TryGetValues("X-Soak-Version", out var v) ? v.First() : null, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
            if (version != VersionFromETag(response.Headers.ETag?.ToString(), id))
            {
                return (Outcome.Corrupt, "206 whose X-Soak-Version and ETag disagree", -1, 0);
            }
        }
        else
        {
            version = -1; // read from the body's first line
        }

        if (response.Content.Headers.ContentLength is { } length && length != expected)
        {
            return (Outcome.Corrupt, $"Content-Length {length}, expected {expected}", version, 0);
        }

        var digestHeader = status == 200 && response.Headers.TryGetValues("Repr-Digest", out var d) ? d.First() : null;
        if (status == 200 && digestHeader is null)
        {
            return (Outcome.Corrupt, "200 without Repr-Digest", version, 0);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(token);
        var buffer = new byte[64 * 1024];
        var want = new byte[buffer.Length];
        long read = 0;
        var abortAt = kind == "abort" ? Math.Max(1, expected / 3) : long.MaxValue;
        while (read < expected)
        {
            var n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, kind == "slow-reader" ? 4096 : buffer.Length)), token);
            if (n == 0)
            {
                return (Outcome.Truncated, $"body ended at {read} of {expected}", version, read);
            }

            if (version < 0)
            {
                // The first read holds the header line (it is well under 100 bytes).
                if (!SoakObject.TryReadHeader(buffer.AsSpan(0, n), out var bodyId, out version, out var bodyLang) || bodyId != id || bodyLang != lang)
                {
                    return (Outcome.Corrupt, $"a body for id {bodyId} lang {bodyLang}, asked id {id} lang {lang}", version, read);
                }
            }

            SoakObject.Fill(id, version, lang, offset + read, want.AsSpan(0, n));
            if (!buffer.AsSpan(0, n).SequenceEqual(want.AsSpan(0, n)))
            {
                return (Outcome.Corrupt, $"wrong bytes at {offset + read} (v{version})", version, read);
            }

            hash.AppendData(buffer, 0, n);
            read += n;
            if (read >= abortAt)
            {
                return (Outcome.Aborted, string.Empty, version, read);
            }

            if (kind == "slow-reader" && read < 128 * 1024)
            {
                await Task.Delay(10, token);
            }
        }

        if (await body.ReadAsync(buffer.AsMemory(0, 1), token) != 0)
        {
            return (Outcome.Corrupt, "more bytes than the length", version, read);
        }

        if (digestHeader is not null && digestHeader != $"sha-256=:{Convert.ToBase64String(hash.GetHashAndReset())}:")
        {
            return (Outcome.Corrupt, "Repr-Digest does not match the body", version, read);
        }

        return (Outcome.Ok, string.Empty, version, read);
    }

    private static long VersionFromETag(string? etag, int id)
        => etag is { Length: > 2 } && etag.Trim('"').Split('-') is [var i, var v] && i == id.ToString(CultureInfo.InvariantCulture) && long.TryParse(v, CultureInfo.InvariantCulture, out var version) ? version : -1;

    private void NoteStale(double start, int id, string cacheStatus)
    {
        var detail = cacheStatus.Contains("detail=stale-while-revalidate", StringComparison.Ordinal) ? "stale-while-revalidate"
            : cacheStatus.Contains("detail=stale-if-error", StringComparison.Ordinal) ? "stale-if-error"
            : cacheStatus.Contains("detail=max-stale", StringComparison.Ordinal) ? "max-stale" : null;
        if (detail is null)
        {
            return;
        }

        var ttlAt = cacheStatus.IndexOf("ttl=", StringComparison.Ordinal);
        var end = ttlAt < 0 ? -1 : cacheStatus.IndexOfAny([';', ',', ' '], ttlAt);
        var ttl = ttlAt >= 0 && long.TryParse(cacheStatus.AsSpan(ttlAt + 4, (end < 0 ? cacheStatus.Length : end) - ttlAt - 4), CultureInfo.InvariantCulture, out var t) ? t : long.MinValue;

        // Allowed: within the window the origin's Cache-Control gave; stale-if-error also only when the origin failed.
        var allowed = detail switch
        {
            "stale-while-revalidate" => ttl >= -SoakObject.StaleWhileRevalidate,
            "stale-if-error" => ttl >= -SoakObject.StaleIfError,
            _ => false, // the driver never sends max-stale
        };
        _stale.Enqueue((start, detail, allowed));
    }

    /// <summary>
    /// Counts an old version served to a request that started after the purge answered (a request that began before
    /// may get the old answer: it raced the purge). Both clocks are the driver's: the request's start is taken before it
    /// is sent, the purge's completion when its answer arrived, so the node got the request after the purge answered.
    /// </summary>
    private void CheckPurged(double start, int id, int node, long version, string cacheStatus, double generated, bool probe)
    {
        if (Volatile.Read(ref _required[id]) is { } required && version < required.Version && start > required.Since)
        {
            _purgedServed.Enqueue(new LateAnswer(start, node, (start - required.Since) * 1000, cacheStatus, generated, required.Purge, Classify(node, cacheStatus, generated, required.Purge), probe));
        }
    }

    /// <summary>
    /// Why a node served purged content, from what the driver can see: the node was down when the purge ran
    /// (it never got it); the body was fetched from the origin while the purge ran (a fill that began before
    /// the purge and was served or stored after it); the node served a stale copy while revalidating; or an
    /// older copy survived the purge, during a Redis fault (the backplane's message or the shared tier's
    /// purge lost) or outside any (on the purging node: a local purge that missed it; on another: the backplane).
    /// </summary>
    private string Classify(int node, string cacheStatus, double generated, PurgeRecord purge)
    {
        if (_faults.Any(f => f.Node == node && !double.IsNaN(f.Start) && purge.Completed >= f.Start - 1 && purge.Started <= f.End + 1))
        {
            return "node down during the purge";
        }

        if (!double.IsNaN(generated) && generated >= purge.Started - FillRaceSeconds)
        {
            return "fill in flight across the purge";
        }

        if (cacheStatus.Contains("stale-while-revalidate", StringComparison.Ordinal))
        {
            return "stale copy served while revalidating";
        }

        if (_faults.Any(f => f.Name.Contains("redis", StringComparison.Ordinal) && !double.IsNaN(f.Start) && purge.Completed >= f.Start - 1 && purge.Started <= f.End + 5))
        {
            return "older copy survived (Redis fault)";
        }

        return node == purge.Node ? "older copy survived (purging node)" : "older copy survived (backplane)";
    }

    private bool NodeFaultCovers(double t, int node) => _faults.Any(f => f.Node == node && f.Covers(t, 2));

    /// <summary>
    /// Which fault explains a failure of a request that started at <paramref name="t"/> and failed now: one that
    /// covers its start, or an origin fault that began while it was still waiting (a slow fill the stop cut off).
    /// </summary>
    private Outcome Explain(double t, int node, Outcome otherwise)
        => NodeFaultCovers(t, node) ? Outcome.NodeDown
            : _faults.Any(f => f.IsOrigin && (f.Covers(t, OriginGraceSeconds) || (!double.IsNaN(f.Start) && f.Start >= t && f.Start <= Now))) ? Outcome.OriginFailure
            : otherwise;

    /// <summary>What a hard purge requires of an object from its completion on: at least this version.</summary>
    private sealed record Required(long Version, double Since, PurgeRecord Purge);
}
