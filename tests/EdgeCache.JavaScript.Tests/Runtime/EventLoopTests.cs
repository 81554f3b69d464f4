using EdgeCache.JavaScript.Runtime;

namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>The engine's loop: work posted lazily (without waking it) still runs, in order with the rest.</summary>
public sealed class EventLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Lazily_posted_work_runs_when_nothing_else_wakes_the_sleeping_loop()
    {
        using var loop = new EventLoop("test-loop", _ => { });

        // The loop has run this and has nothing left: it is asleep (or about to be) when the lazy work comes.
        await loop.InvokeAsync(() => 0);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(loop.PostLazy(() => ran.SetResult()));

        await ran.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task Lazily_posted_work_runs_in_order_with_work_posted_after_it()
    {
        using var loop = new EventLoop("test-loop", _ => { });
        var order = new List<string>();
        var gate = new ManualResetEventSlim();

        // Held busy so that the three pieces queue up behind it.
        loop.Post(gate.Wait);
        loop.PostLazy(() => order.Add("lazy 1"));
        loop.Post(() => order.Add("posted"));
        loop.PostLazy(() => order.Add("lazy 2"));
        gate.Set();

        Assert.Equal(["lazy 1", "posted", "lazy 2"], await loop.InvokeAsync(() => order.ToArray()).WaitAsync(Patience));
    }

    [Fact]
    public void Lazy_work_is_refused_once_the_loop_is_disposed()
    {
        var loop = new EventLoop("test-loop", _ => { });
        loop.Dispose();

        Assert.False(loop.PostLazy(() => { }));
        Assert.False(loop.Post(() => { }));
    }
}
