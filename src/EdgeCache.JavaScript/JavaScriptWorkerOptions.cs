namespace EdgeCache.JavaScript;

/// <summary>Options of a JavaScript worker (<see cref="JavaScriptWorkerEndpointRouteBuilderExtensions.MapJavaScriptWorker"/>).</summary>
public sealed class JavaScriptWorkerOptions
{
    /// <summary>
    /// Variables the script sees: the <c>env</c> argument of an ES module's <c>fetch(request, env, ctx)</c>,
    /// and globals in service-worker syntax (as Workers exposes a script's <c>vars</c>). Default: none.
    /// </summary>
    public IDictionary<string, string> Variables { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The CPU time one request's JavaScript may use, summed over every turn of the event loop that runs for it
    /// (its handler, each continuation after an <c>await</c>, its timers and stream pulls; time spent waiting
    /// on I/O does not count). A request that uses more is stopped and answered 500 (or its response stream is
    /// failed when the response is already under way); other requests keep being served. Default 1 s (Workers:
    /// 30 s by default on paid plans, 10 ms on the free plan); more than zero.
    /// </summary>
    public TimeSpan CpuLimit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The bytes the engine may allocate in one turn of its event loop (a handler until it waits on I/O, with every
    /// promise job it queues; one callback), counted by the engine thread's allocation counter, so turning a body
    /// into a string counts. A turn that allocates more is stopped and its request answered 500. Jint cannot
    /// measure the live heap of one engine, so this bounds allocation, not retention (Workers' 128 MB per
    /// isolate is a live-heap limit); a body streamed through JavaScript chunk by chunk is many turns and is not
    /// stopped for its total. Checked every few statements, so it can be overshot by what a few statements
    /// allocate (arrays are capped at 16 Mi elements). Default 256 MiB; more than zero.
    /// </summary>
    public long MemoryLimit { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The largest body that <c>text()</c>, <c>json()</c> or <c>arrayBuffer()</c> reads into memory; a larger one
    /// rejects with a <c>TypeError</c>. Bodies passed on without being read stream and have no limit.
    /// Default 128 MiB (Workers' memory limit per isolate); more than zero.
    /// </summary>
    public long MaxBufferedBodySize { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// How long <c>waitUntil</c> work may take after it is handed over; work still pending then is abandoned
    /// (logged as failed) so that its request can be let go. Default 30 s (as on Workers); more than zero.
    /// </summary>
    public TimeSpan WaitUntilTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reload the script when a <c>.js</c> file in its folder changes (<c>wrangler dev</c>'s behaviour): requests
    /// in flight finish on the old version, new ones run the new one; a version that does not load is logged and
    /// the running one kept. Default <see langword="false"/>.
    /// </summary>
    public bool Watch { get; set; }

    /// <summary>
    /// How many engines run the script, each on its own event loop thread with its own module state (as a
    /// Workers location runs several isolates). Requests go to the engine with the fewest in flight. One engine
    /// uses at most one core for JavaScript. Default 1; 1 to 64.
    /// </summary>
    public int Engines { get; set; } = 1;

    /// <summary>Checks the options; throws naming the bad one.</summary>
    public void Validate()
    {
        if (CpuLimit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CpuLimit), CpuLimit, "CpuLimit must be more than zero.");
        }

        if (MemoryLimit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryLimit), MemoryLimit, "MemoryLimit must be more than zero.");
        }

        if (WaitUntilTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WaitUntilTimeout), WaitUntilTimeout, "WaitUntilTimeout must be more than zero.");
        }

        if (MaxBufferedBodySize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedBodySize), MaxBufferedBodySize, "MaxBufferedBodySize must be more than zero.");
        }

        if (Engines is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(Engines), Engines, "Engines must be from 1 to 64.");
        }

        foreach (var name in Variables.Keys)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("Variable names must not be empty.", nameof(Variables));
            }
        }
    }
}
