using EdgeCache.AspNetCore;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>One loaded version of a script: one engine (<see cref="WorkerRuntime"/>) or several (<see cref="EnginePool"/>).</summary>
internal interface IWorkerVersion : IDisposable
{
    Task<HttpResponseMessage> HandleAsync(FetchEvent fetchEvent);

    /// <summary>A newer version took over: finish the requests in hand, then dispose.</summary>
    void Replace();
}
