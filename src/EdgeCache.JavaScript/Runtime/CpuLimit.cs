using System.Diagnostics;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A Jint constraint that stops a turn of the event loop that used more than its CPU budget: armed before each
/// turn, checked by the interpreter as it runs statements, so even <c>while (true) {}</c> is stopped. The cheap
/// wall clock is checked first; the thread's CPU time only once that runs out.
/// </summary>
internal sealed class CpuLimit : Jint.Constraint
{
    private readonly TimeSpan _budget;
    private readonly long _budgetTicks;
    private long _deadline = long.MaxValue;
    private TimeSpan? _cpuAtArm;

    public CpuLimit(TimeSpan budget)
    {
        _budget = budget;
        _budgetTicks = (long)(budget.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>True when the last turn was stopped by this limit.</summary>
    public bool Exceeded { get; private set; }

    public void Arm()
    {
        Exceeded = false;
        _cpuAtArm = ThreadCpuTime.Now();
        _deadline = Stopwatch.GetTimestamp() + _budgetTicks;
    }

    public void Disarm() => _deadline = long.MaxValue;

    public override void Check()
    {
        if (Stopwatch.GetTimestamp() <= _deadline)
        {
            return;
        }

        // The wall-clock budget is spent; what counts is the CPU this thread used: a busy machine may have
        // kept it waiting. Give it the CPU it has not used yet and look again then.
        if (_cpuAtArm is { } start && ThreadCpuTime.Now() is { } now && now - start < _budget)
        {
            _deadline = Stopwatch.GetTimestamp() + (long)((_budget - (now - start)).TotalSeconds * Stopwatch.Frequency);
            return;
        }

        Exceeded = true;
        _deadline = long.MaxValue;
        throw new CpuLimitExceededException();
    }

    // Jint resets constraints at each entry into the engine; the deadline belongs to the turn, not to the entry.
    public override void Reset()
    {
    }
}
