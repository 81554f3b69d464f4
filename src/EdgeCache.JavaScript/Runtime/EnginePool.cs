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

    public EnginePool(WorkerRuntime[] engines)
    {
        _engines = engines;
        _inFlight = new int[engines.Length];
    }

    public async Task<HttpResponseMessage> HandleAsync(FetchEvent fetchEvent)
    {
        var chosen = 0;
        for (var i = 1; i < _engines.Length; i++)
        {
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
