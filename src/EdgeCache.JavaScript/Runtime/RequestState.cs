using EdgeCache.AspNetCore;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// One request while its JavaScript runs: its fetch event, the response the script will give, its pending
/// <c>waitUntil</c> work and the host bodies it holds. Touched on the event loop only.
/// </summary>
internal sealed class RequestState(FetchEvent fetchEvent, WorkerRuntime runtime)
{
    /// <summary>The runtime handling it (the state of its static callbacks).</summary>
    public WorkerRuntime Runtime { get; } = runtime;

    public int Id { get; set; }

    public FetchEvent Event { get; } = fetchEvent;

    public TaskCompletionSource<HttpResponseMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Host bodies made for this request; those never given away are released when it retires.</summary>
    public List<HostBody> Bodies { get; } = [];

    /// <summary><c>waitUntil</c> promises not settled yet.</summary>
    public int PendingWork { get; set; }

    /// <summary>The response has been written (or the request aborted).</summary>
    public bool ResponseDone { get; set; }

    /// <summary>CPU time its JavaScript has used, over all its turns (the CPU limit is on this sum).</summary>
    public TimeSpan CpuUsed { get; set; }

    /// <summary>The absolute URL, for logs.</summary>
    public string Url => Event.Request.RequestUri?.ToString() ?? string.Empty;
}
