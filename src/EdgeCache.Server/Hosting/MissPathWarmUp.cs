using System.Diagnostics;
using System.Net;
using EdgeCache.AspNetCore;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Server.Settings;
using EdgeCache.Storage;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// CDN mode's start-up warm-up: before the public listener opens, unique-key 1 KB misses (and as many hits) go, until
/// the JIT settles or for at most <see cref="ServerSettings.WarmUp"/>, through a caching proxy of its own (Kestrel on a loopback port, a throwaway
/// store of the kind <c>--store</c> names, a disk tier's files in a temporary directory removed after) in front of a
/// loopback origin of its own, so Kestrel's request handling, the origin client, the fill and the store's writers
/// have been called often enough for tiered compilation to promote them.
/// </summary>
/// <remarks>
/// Without it the first real misses run tier-0 and instrumented code and share the cores with the JIT: 160-330 µs
/// of CPU per miss for the first 10-30 s against 70-100 warm (docs/performance.md, "Session 10: the miss path").
/// The store has to be of the configured kind: tier-1 code is compiled once, with the profile the warm-up gave it, and
/// a tiered server warmed up on a memory store kept the memory store's guesses at its store calls for good (its warm
/// tiered misses cost 1.19x those of the same build without the warm-up; "Session 12: the miss path and start-up").
/// Nothing of it reaches the configured origin or the server's store. It is a hosted service, so the host starts it
/// before the server listens; a warm-up that fails is logged and start-up goes on.
/// </remarks>
internal sealed class MissPathWarmUp(ServerSettings settings, ILogger<MissPathWarmUp> logger) : IHostedService
{
    private const int BodyLength = 1024;

    // Enough concurrent misses that Kestrel, the origin client's pool and the fill see several connections
    // at once (as under load), few enough that a 2-core machine still has time left for the JIT's own thread.
    private const int Concurrency = 8;

    // Hits (odd request numbers) go to the keys -1, -3, ... -15; misses (even ones) to a new key each.
    private const int HotKeys = 15;

    // The JIT has settled when it compiled fewer than SettledMethods methods in the last Settled while the misses
    // kept coming: the miss path's promotions are done (tiered compilation waits 100 ms after the last new tier-0
    // method before it promotes, then compiles in the background), what is left is the odd cold method.
    private static readonly TimeSpan Settled = TimeSpan.FromMilliseconds(1000);

    private const int SettledMethods = 10;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private static readonly byte[] Body = CreateBody();

    // The warm-up store's memory tier: small enough to fill within the first second, so eviction (part of every
    // miss on a full tier, and the tiered store's demotion) is warmed too.
    private const long WarmUpMemoryBytes = 4L * 1024 * 1024;

    /// <summary>Requests (half of them misses) answered by the last warm-up (for tests).</summary>
    internal int Requests { get; private set; }

    /// <summary>The temporary directory the last warm-up's disk tier used (removed when it ended), or null (for tests).</summary>
    internal string? StoreDirectory { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.WarmUp <= TimeSpan.Zero)
        {
            return;
        }

        ServerLog.WarmingUp(logger, settings.WarmUp);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var methods = System.Runtime.JitInfo.GetCompiledMethodCount();
            Requests = await RunAsync(settings.WarmUp, cancellationToken).ConfigureAwait(false);

            // The warm-up's store and buffers are garbage now: give their memory back before traffic starts.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            ServerLog.WarmedUp(logger, Requests, Stopwatch.GetElapsedTime(started).TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount() - methods);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while warming up: the host is shutting down, nothing to report.
        }
        catch (Exception ex)
        {
            // A warm-up is an optimisation: the server serves without it.
            ServerLog.WarmUpFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<int> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        // The disk and tiered stores' writers (the write-behind queue, the committer, the index) are warmed in a
        // directory of the warm-up's own: the configured data directory is never opened by it.
        var directory = settings.Store == "memory" ? null : Directory.CreateTempSubdirectory("edgecache-warm-up-").FullName;
        StoreDirectory = directory;
        try
        {
            var origin = BuildOrigin();
            await using (origin.ConfigureAwait(false))
            {
                await origin.StartAsync(cancellationToken).ConfigureAwait(false);
                var proxy = BuildProxy(AddressOf(origin), directory);
                await using (proxy.ConfigureAwait(false))
                {
                    await proxy.StartAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await DriveAsync(AddressOf(proxy), duration, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        await proxy.StopAsync(CancellationToken.None).ConfigureAwait(false);
                        await origin.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            // The proxy's disposal above closed the store (its container owns it), so its files can go.
            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<int> DriveAsync(Uri proxy, TimeSpan limit, CancellationToken cancellationToken)
    {
        // An invoker, as the origin client uses: HttpClient's own layer (timeout, base address) would be code to
        // compile that the server never runs.
        using var client = new HttpMessageInvoker(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
        var prefix = new Uri(proxy, "/warm-up/body?n=").AbsoluteUri;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var issued = 0;
        var answered = 0;
        var workers = new Task[Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    // Every other request is a hit on one of a few hot keys: the code hits and misses share (Kestrel,
                    // the lookup, the response head) is compiled once at tier 1 with the profile it sees here, so that
                    // profile has to hold both shapes, as real traffic does.
                    var n = Interlocked.Increment(ref issued);
                    var key = (n & 1) == 0 ? n : -(n & HotKeys);
                    using var request = new HttpRequestMessage(HttpMethod.Get, prefix + key.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw new HttpRequestException($"the warm-up's proxy answered {(int)response.StatusCode}", null, response.StatusCode);
                    }

                    Interlocked.Increment(ref answered);
                }
            }, cancellationToken);
        }

        try
        {
            await UntilJitSettlesAsync(limit, Task.WhenAny(workers), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return answered;
    }

    /// <summary>
    /// Returns once no method has been compiled for <see cref="Settled"/> (the miss path runs tier-1 code and the
    /// JIT's backlog is done, so it no longer competes with the first real requests), after at most <paramref name="limit"/>,
    /// or when a worker stops (it failed).
    /// </summary>
    private static async Task UntilJitSettlesAsync(TimeSpan limit, Task anyWorkerDone, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var window = new long[(int)(Settled / Poll)];
        Array.Fill(window, long.MinValue);
        var polls = 0;
        while (Stopwatch.GetElapsedTime(started) < limit && !anyWorkerDone.IsCompleted)
        {
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            var count = System.Runtime.JitInfo.GetCompiledMethodCount();
            var slot = polls++ % window.Length;
            if (window[slot] != long.MinValue && count - window[slot] < SettledMethods)
            {
                return;
            }

            window[slot] = count;
        }
    }

    /// <summary>The loopback origin: every GET is a cacheable 1 KB answer.</summary>
    private WebApplication BuildOrigin()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ConfigureKestrel(builder, edgeCacheConnections: false);
        var app = builder.Build();
        app.Run(static context =>
        {
            context.Response.ContentLength = BodyLength;
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers.CacheControl = "public, max-age=60";
            return context.Response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
        });
        return app;
    }

    /// <summary>The proxy, built as the server builds its own: same Kestrel options and connection middleware, same kind of store.</summary>
    private WebApplication BuildProxy(Uri origin, string? storeDirectory)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ConfigureKestrel(builder, edgeCacheConnections: true);
        builder.Services.AddRoutingCore();
        if (storeDirectory is not null)
        {
            builder.Services.AddSingleton<ICacheStore>(sp => StoreFactory.CreateWarmUpStore(settings, storeDirectory, WarmUpMemoryBytes, sp));
        }

        builder.Services.AddEdgeCache(o =>
        {
            o.Origin = origin;
            o.MemoryStore.SizeLimit = WarmUpMemoryBytes;
            o.MemoryStore.FileBodyThreshold = settings.MemoryFileThresholdBytes;
        });
        var app = builder.Build();
        app.MapCachingProxy(new CachingProxyOptions
        {
            Origin = origin,
            SetCookie = settings.SetCookiePolicy,
            CollapseRequests = settings.CollapseRequests,
            ForwardCdnCacheControl = settings.ForwardCdnCacheControl,
            ExposeCacheTags = settings.ExposeCacheTags,
        });
        return app;
    }

    private void ConfigureKestrel(WebApplicationBuilder builder, bool edgeCacheConnections)
    {
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = settings.InlineScheduling;
            o.WaitForDataBeforeAllocatingBuffer = settings.WaitForDataBeforeAllocatingBuffer;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            k.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (edgeCacheConnections)
                {
                    listen.UseEdgeCacheConnections(settings.DirectSend ? new EdgeCache.AspNetCore.Hosting.DirectSendCounters() : null);
                }
            });
        });
    }

    private static Uri AddressOf(WebApplication app) => new(EdgeCacheServer.Addresses(app).First());

    private static byte[] CreateBody()
    {
        var body = new byte[BodyLength];
        Array.Fill(body, (byte)'w');
        return body;
    }
}
