namespace EdgeCache.Redis;

/// <summary>
/// A consecutive-failure circuit breaker driven by a <see cref="TimeProvider"/>. While open, callers
/// skip Redis entirely, so an outage costs a request nothing; after the open period a single trial
/// call decides whether to close again.
/// </summary>
internal sealed class CircuitBreaker(int failureThreshold, TimeSpan openDuration, TimeProvider time)
{
    private readonly Lock _lock = new();
    private CircuitState _state = CircuitState.Closed;
    private int _failures;
    private long _openedAt;
    private bool _trialInFlight;

    /// <summary>Raised (outside the lock) when the state changes: old state, new state.</summary>
    public event Action<CircuitState, CircuitState>? StateChanged;

    public CircuitState State
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitState.Open && OpenPeriodOver() ? CircuitState.HalfOpen : _state;
            }
        }
    }

    /// <summary>Whether a call may go to Redis now. In half-open, only one caller at a time gets <see langword="true"/>.</summary>
    public bool TryEnter()
    {
        CircuitState? changedFrom = null;
        lock (_lock)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open when OpenPeriodOver():
                    _state = CircuitState.HalfOpen;
                    _trialInFlight = true;
                    changedFrom = CircuitState.Open;
                    break;
                case CircuitState.HalfOpen when !_trialInFlight:
                    _trialInFlight = true;
                    return true;
                default:
                    return false;
            }
        }

        StateChanged?.Invoke(changedFrom.Value, CircuitState.HalfOpen);
        return true;
    }

    public void RecordSuccess()
    {
        CircuitState old;
        lock (_lock)
        {
            old = _state;
            _failures = 0;
            _trialInFlight = false;
            _state = CircuitState.Closed;
        }

        if (old != CircuitState.Closed)
        {
            StateChanged?.Invoke(old, CircuitState.Closed);
        }
    }

    /// <summary>The caller gave up without an outcome (cancelled): a half-open trial slot is freed.</summary>
    public void Abandon()
    {
        lock (_lock)
        {
            _trialInFlight = false;
        }
    }

    public void RecordFailure()
    {
        CircuitState old;
        lock (_lock)
        {
            old = _state;
            _trialInFlight = false;
            _failures++;
            if (_state == CircuitState.HalfOpen || (_state == CircuitState.Closed && _failures >= failureThreshold))
            {
                _state = CircuitState.Open;
                _openedAt = time.GetTimestamp();
            }
        }

        if (old != CircuitState.Open && State == CircuitState.Open)
        {
            StateChanged?.Invoke(old, CircuitState.Open);
        }
    }

    private bool OpenPeriodOver() => time.GetElapsedTime(_openedAt) >= openDuration;
}
