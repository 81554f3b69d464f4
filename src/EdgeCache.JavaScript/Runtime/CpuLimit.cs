using System.Diagnostics;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A Jint constraint that stops a turn of the event loop running past its deadline: armed before each turn,
/// checked by the interpreter as it runs statements, so even <c>while (true) {}</c> is stopped.
/// </summary>
internal sealed class CpuLimit : Jint.Constraint
{
    private readonly long _budgetTicks;
    private long _deadline = long.MaxValue;

    public CpuLimit(TimeSpan budget) => _budgetTicks = (long)(budget.TotalSeconds * Stopwatch.Frequency);

    /// <summary>True when the last turn was stopped by this limit.</summary>
    public bool Exceeded { get; private set; }

    public void Arm()
    {
        Exceeded = false;
        _deadline = Stopwatch.GetTimestamp() + _budgetTicks;
    }

    public void Disarm() => _deadline = long.MaxValue;

    public override void Check()
    {
        if (Stopwatch.GetTimestamp() > _deadline)
        {
            Exceeded = true;
            _deadline = long.MaxValue;
            throw new CpuLimitExceededException();
        }
    }

    // Jint resets constraints at each entry into the engine; the deadline belongs to the turn, not to the entry.
    public override void Reset()
    {
    }
}
