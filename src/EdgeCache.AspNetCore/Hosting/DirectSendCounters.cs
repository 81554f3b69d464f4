namespace EdgeCache.AspNetCore.Hosting;

/// <summary>
/// How many connections have a direct-send output open and how many bodies went out through one
/// (<see cref="EdgeCacheListenOptionsExtensions.UseEdgeCacheConnections"/>).
/// </summary>
public sealed class DirectSendCounters
{
    private long _open;
    private long _sends;

    /// <summary>Connections whose output is still open (a closed or aborted connection leaves this).</summary>
    public long OpenConnections => Interlocked.Read(ref _open);

    /// <summary>Bodies queued to go to the socket directly.</summary>
    public long DirectSends => Interlocked.Read(ref _sends);

    internal void OnOpened() => Interlocked.Increment(ref _open);

    internal void OnClosed() => Interlocked.Decrement(ref _open);

    internal void OnDirectSend() => Interlocked.Increment(ref _sends);
}
