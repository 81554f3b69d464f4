using EdgeCache.AspNetCore.Origin;

namespace EdgeCache.AspNetCore.Tests.Origin;

/// <summary>The origin timeout's shared deadlines: each token is cancelled once its deadline passes, or when the client stops.</summary>
public sealed class OriginDeadlinesTests
{
    [Fact]
    public async Task A_token_is_cancelled_once_its_deadline_has_passed()
    {
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(TimeSpan.FromMilliseconds(50), stopping.Token);

        var token = deadlines.Next();

        // Not a timing assertion: only that it comes at all (the bound is a hang guard).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(TimeSpan.FromSeconds(30), token));
        Assert.False(stopping.IsCancellationRequested);
    }

    [Fact]
    public void Stopping_cancels_every_token_handed_out()
    {
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(TimeSpan.FromSeconds(30), stopping.Token);
        var token = deadlines.Next();
        Assert.False(token.IsCancellationRequested);

        stopping.Cancel();

        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void Tokens_after_the_old_deadlines_passed_are_fresh()
    {
        // Slices whose deadlines passed are disposed as new ones begin; a new token never comes from one of them.
        using var stopping = new CancellationTokenSource();
        using var deadlines = new OriginDeadlines(TimeSpan.FromMilliseconds(16), stopping.Token);
        var first = deadlines.Next();
        SpinWait.SpinUntil(() => first.IsCancellationRequested, TimeSpan.FromSeconds(30));
        Assert.True(first.IsCancellationRequested);

        var later = deadlines.Next();

        Assert.False(later.IsCancellationRequested);
    }
}
