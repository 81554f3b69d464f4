using EdgeCache.AspNetCore;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// Several engines running one script (<see cref="JavaScriptWorkerOptions.Engines"/>): each request goes to the
/// engine with the fewest requests in flight, so one busy engine does not hold the others' requests back.
/// </summary>
internal sealed class EnginePool : IWorkerVersion
{
    private readonly WorkerRuntime[] _engines;
    private readonly int[] _inFlight;
    private int _next;

    public EnginePool(WorkerRuntime[] engines)
    {
        _engines = engines;
        _inFlight = new int[engines.Length];
    }

    public async Task<HttpResponseMessage> HandleAsync(FetchEvent fetchEvent)
    {
        // The scan starts at a rotating engine: two requests that arrive together see the same counts, and
        // starting both at engine 0 sent them to one engine, the second queued behind the first.
        var count = _engines.Length;
        var chosen = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        for (var step = 1; step < count; step++)
        {
            var i = (chosen + step) % count;
            if (Volatile.Read(ref _inFlight[i]) < Volatile.Read(ref _inFlight[chosen]))
            {
                chosen = i;
            }
        }

        Interlocked.Increment(ref _inFlight[chosen]);
        try
        {
            return await _engines[chosen].HandleAsync(fetchEvent).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight[chosen]);
        }
    }

    /// <summary>Every engine finishes its own requests, then disposes itself.</summary>
    public void Replace()
    {
        foreach (var engine in _engines)
        {
            engine.Replace();
        }
    }

    public void Dispose()
    {
        foreach (var engine in _engines)
        {
            engine.Dispose();
        }
    }
}
