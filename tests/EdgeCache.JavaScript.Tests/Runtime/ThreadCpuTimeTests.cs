using System.Diagnostics;
using EdgeCache.JavaScript.Runtime;

namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>The CPU limit counts the thread's CPU time, so that a busy machine does not stop a turn that only waited.</summary>
public sealed class ThreadCpuTimeTests
{
    [Fact]
    public void The_thread_CPU_time_grows_with_work_and_much_less_with_waiting()
    {
        var start = ThreadCpuTime.Now();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(start);
            return;
        }

        Assert.NotNull(start);

        // Work: at least 50 ms of wall time spent computing.
        var wall = Stopwatch.StartNew();
        var sum = 0L;
        while (wall.ElapsedMilliseconds < 50)
        {
            for (var i = 0; i < 10_000; i++)
            {
                sum += i ^ sum;
            }
        }

        var afterWork = ThreadCpuTime.Now()!.Value;
        Assert.True(afterWork > start.Value, $"CPU time did not grow with work ({sum}).");

        // Waiting: a blocked wait uses (almost) no CPU however long it takes.
        using var never = new ManualResetEventSlim();
        never.Wait(TimeSpan.FromMilliseconds(200));
        var afterWait = ThreadCpuTime.Now()!.Value;
        Assert.True(afterWait - afterWork < TimeSpan.FromMilliseconds(100), $"Waiting 200 ms cost {(afterWait - afterWork).TotalMilliseconds} ms of CPU.");
    }
}
