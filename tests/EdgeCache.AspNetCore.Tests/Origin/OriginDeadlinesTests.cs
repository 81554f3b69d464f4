using EdgeCache.AspNetCore.Origin;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.AspNetCore.Tests.Origin;

/// <summary>
/// The origin timeout's shared deadlines, on a fake clock: each token is cancelled once its deadline passes (not before
/// one timeout from the request that took it), or when the client stops; slices are released once their deadline has
/// passed, never before, so no request waits on a source that was disposed under it.
/// </summary>
public sealed class OriginDeadlinesTests
{
    // 1.6 s: slices of 100 ms (a sixteenth), 16 + 2 kept after the current one.
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(1600);
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    // A whole second, so the first slice begins at the clock's start.
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_token_is_cancelled_at_its_slice_deadline_and_not_before_one_timeout()
    {
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var token = deadlines.Next();

        time.Advance(Timeout);
        Assert.False(token.IsCancellationRequested);

        time.Advance(Slice);
        Assert.True(token.IsCancellationRequested);
        Assert.False(stopping.IsCancellationRequested);
    }

    [Fact]
    public void A_request_late_in_a_slice_shares_its_token_and_still_gets_a_whole_timeout()
    {
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var early = deadlines.Next();

        time.Advance(Slice - TimeSpan.FromMilliseconds(1));
        var late = deadlines.Next();
        Assert.Equal(early, late);

        time.Advance(Timeout);
        Assert.False(late.IsCancellationRequested);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(late.IsCancellationRequested);
    }

    [Fact]
    public void The_next_slice_has_a_token_of_its_own()
    {
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var first = deadlines.Next();

        time.Advance(Slice);
        var second = deadlines.Next();

        Assert.NotEqual(first, second);
        time.Advance(Timeout);
        Assert.True(first.IsCancellationRequested);
        Assert.False(second.IsCancellationRequested);
    }

    [Fact]
    public void Stopping_cancels_every_token_handed_out()
    {
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var tokens = new List<CancellationToken>();
        for (var i = 0; i < 5; i++)
        {
            tokens.Add(deadlines.Next());
            time.Advance(Slice);
        }

        Assert.DoesNotContain(tokens, t => t.IsCancellationRequested);

        stopping.Cancel();

        Assert.All(tokens, t => Assert.True(t.IsCancellationRequested));
    }

    [Fact]
    public void A_request_that_completed_is_not_called_back_when_its_deadline_passes()
    {
        // The handler registers on the token while it waits for headers and disposes the registration once they are in;
        // the shared source lives on, so a registration left behind would run (and hold its request) until the deadline.
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var completed = 0;
        var waiting = 0;
        var token = deadlines.Next();
        token.Register(() => completed++).Dispose();
        using var stillWaiting = token.Register(() => waiting++);

        time.Advance(Timeout + Slice);

        Assert.Equal(0, completed);
        Assert.Equal(1, waiting);
    }

    [Fact]
    public void Over_many_requests_every_token_is_cancelled_at_its_deadline_and_spent_slices_are_released()
    {
        // 20,000 requests 7 ms apart: 1,400 slices. A slice disposed before its deadline would leave its tokens never
        // cancelled (a request hanging past the timeout); one never disposed would grow the queue without bound.
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        var handedOut = new List<(CancellationToken Token, DateTimeOffset At)>();
        var mostHeld = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var token = deadlines.Next();
            if (i % 50 == 0)
            {
                handedOut.Add((token, time.GetUtcNow()));
            }

            mostHeld = Math.Max(mostHeld, deadlines.SlicesHeld);
            time.Advance(TimeSpan.FromMilliseconds(7));
        }

        var now = time.GetUtcNow();
        Assert.All(handedOut.Where(h => now - h.At >= Timeout + Slice), h => Assert.True(h.Token.IsCancellationRequested, $"token of {h.At:O} not cancelled at {now:O}"));
        Assert.All(handedOut.Where(h => now - h.At < Timeout), h => Assert.False(h.Token.IsCancellationRequested));
        Assert.InRange(mostHeld, 1, 16 + 2 + 1);
    }

    [Fact]
    public void After_dispose_no_token_is_handed_out_and_every_slice_is_released()
    {
        var time = new FakeTimeProvider(Start);
        using var stopping = new CancellationTokenSource();
        var deadlines = new OriginDeadlines(Timeout, stopping.Token, time);
        for (var i = 0; i < 5; i++)
        {
            deadlines.Next();
            time.Advance(Slice);
        }

        Assert.Equal(5, deadlines.SlicesHeld);

        deadlines.Dispose();

        Assert.Equal(0, deadlines.SlicesHeld);
        Assert.Throws<ObjectDisposedException>(() => deadlines.Next());

        // The stopping token no longer calls into the disposed sources.
        stopping.Cancel();
    }

    [Fact]
    public void A_token_on_the_system_clock_is_cancelled_once_its_deadline_has_passed()
    {
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(TimeSpan.FromMilliseconds(16), stopping.Token);

        var token = deadlines.Next();

        // Not a timing assertion: only that it comes at all on the real clock (the bound is a hang guard).
        Assert.True(SpinWait.SpinUntil(() => token.IsCancellationRequested, TimeSpan.FromSeconds(30)));
        Assert.False(stopping.IsCancellationRequested);
    }
}
