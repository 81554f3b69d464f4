using System.Diagnostics;
using EdgeCache.JavaScript.Runtime;

namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>
/// A turn is timed by the wall clock for its first <see cref="CpuLimit.WallPart"/> only (no system call for the
/// short turns of a hit); after that by the thread's CPU time, so waiting is not charged and computing is.
/// </summary>
public sealed class CpuLimitTests
{
    [Fact]
    public void A_turn_kept_waiting_past_its_wall_part_is_not_stopped_for_the_wait()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var limit = new CpuLimit(TimeSpan.FromMilliseconds(50), 1L << 40);
        limit.Arm(null);
        Thread.Sleep(CpuLimit.WallPart * 2);
        limit.Check();

        // Blocked four times the budget: no CPU used, so the turn is not over its budget.
        using var never = new ManualResetEventSlim();
        never.Wait(TimeSpan.FromMilliseconds(200));
        limit.Check();
        limit.Disarm(null);
        Assert.Null(limit.Exceeded);
    }

    [Fact]
    public void A_turn_that_computes_past_its_budget_is_stopped()
    {
        var limit = new CpuLimit(TimeSpan.FromMilliseconds(20), 1L << 40);
        limit.Arm(null);
        var wall = Stopwatch.StartNew();
        var sum = 0L;
        var stopped = Assert.Throws<CpuLimitExceededException>(() =>
        {
            while (wall.Elapsed < TimeSpan.FromSeconds(30))
            {
                for (var i = 0; i < 1_000; i++)
                {
                    sum += i ^ sum;
                }

                limit.Check();
            }
        });

        Assert.Equal("CPU", limit.Exceeded);
        Assert.Contains("CPU time limit", stopped.Message, StringComparison.Ordinal);
    }
}
