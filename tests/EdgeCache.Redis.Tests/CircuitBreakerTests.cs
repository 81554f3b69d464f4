using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Redis.Tests;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Breaker_opens_after_the_threshold_of_consecutive_failures()
    {
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(5), _time);
        breaker.RecordFailure();
        breaker.RecordFailure();
        breaker.RecordSuccess();
        breaker.RecordFailure();
        breaker.RecordFailure();
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryEnter());

        breaker.RecordFailure();
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void After_the_open_period_one_trial_call_is_let_through_and_its_success_closes_the_breaker()
    {
        var breaker = Opened();
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(breaker.TryEnter());

        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryEnter());
        Assert.False(breaker.TryEnter());

        breaker.RecordSuccess();
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Failed_trial_call_reopens_the_breaker_for_another_period()
    {
        var breaker = Opened();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter());
        breaker.RecordFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Abandoned_trial_call_frees_the_trial_slot()
    {
        var breaker = Opened();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter());
        breaker.Abandon();
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void State_changes_are_reported()
    {
        var changes = new List<(CircuitState, CircuitState)>();
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(5), _time);
        breaker.StateChanged += (from, to) => changes.Add((from, to));
        breaker.RecordFailure();
        _time.Advance(TimeSpan.FromSeconds(5));
        breaker.TryEnter();
        breaker.RecordSuccess();

        Assert.Equal([(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen), (CircuitState.HalfOpen, CircuitState.Closed)], changes);
    }

    private CircuitBreaker Opened()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(5), _time);
        breaker.RecordFailure();
        Assert.Equal(CircuitState.Open, breaker.State);
        return breaker;
    }
}
