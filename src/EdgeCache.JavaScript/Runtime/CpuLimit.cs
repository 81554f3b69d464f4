using System.Diagnostics;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A Jint constraint that stops a request whose JavaScript used more than its budget: CPU time summed over every
/// turn of the event loop that ran for that request (its handler, each continuation after I/O, its stream pulls
/// and timers), and bytes allocated within one turn (a turn runs every promise job it queues, so a loop of
/// <c>await</c>s on nothing is one turn; a body streamed through JavaScript chunk by chunk is many, and is not
/// stopped for its total). Armed before each turn with the CPU the request has left, charged after it. The cheap wall clock is checked first; the thread's CPU time only once that runs out, so a
/// turn kept waiting by a busy machine is not charged for the wait.
/// </summary>
/// <remarks>
/// Amortizable (Jint checks it every few statements, not before each one): it only reads clocks and the
/// thread's allocation counter, which checking less often cannot change. An exact constraint would also turn
/// off Jint's fast loop paths for every script. The allocation budget can therefore be overshot by what a few
/// statements allocate; <see cref="Jint.Options.ConstraintOptions.MaxArraySize"/> bounds the largest single one.
/// </remarks>
internal sealed class CpuLimit : Jint.Constraint
{
    private readonly TimeSpan _cpuBudget;
    private readonly long _memoryBudget;
    private TimeSpan _cpuLeft;
    private long _deadline = long.MaxValue;
    private TimeSpan? _cpuAtArm;
    private long _allocatedAtArm;
    private long _allocationLimit = long.MaxValue;

    // The thread's CPU time read when the last turn ended, and when (Stopwatch ticks): the next turn starts from
    // it when it starts within ReuseWindow, one clock_gettime(CLOCK_THREAD_CPUTIME_ID) system call fewer per turn
    // (that clock has no vDSO fast path). What the loop did in between, at most the window, is charged to it.
    private static readonly long ReuseWindow = Stopwatch.Frequency / 20_000;
    private TimeSpan? _lastReading;
    private long _lastReadingAt;

    public CpuLimit(TimeSpan cpuBudget, long memoryBudget)
    {
        _cpuBudget = cpuBudget;
        _memoryBudget = memoryBudget;
    }

    /// <inheritdoc />
    public override bool IsAmortizable => true;

    /// <summary>Why the last stopped turn was stopped: "CPU" or "memory"; null when it was not.</summary>
    public string? Exceeded { get; private set; }

    /// <summary>Starts a turn with the budget the request has left (a whole budget for work of no request).</summary>
    public void Arm(RequestState? owner)
    {
        Exceeded = null;
        _cpuLeft = owner is null ? _cpuBudget : _cpuBudget - owner.CpuUsed;
        var now = Stopwatch.GetTimestamp();
        _cpuAtArm = _lastReading is { } last && now - _lastReadingAt <= ReuseWindow ? last : ThreadCpuTime.Now();
        _lastReading = null;
        _allocatedAtArm = GC.GetAllocatedBytesForCurrentThread();
        _allocationLimit = _allocatedAtArm + _memoryBudget;
        _deadline = now + Ticks(_cpuLeft);
    }

    /// <summary>Ends the turn and charges what it used to its request.</summary>
    public void Disarm(RequestState? owner)
    {
        _deadline = long.MaxValue;
        _allocationLimit = long.MaxValue;
        if (owner is null)
        {
            return;
        }

        if (_cpuAtArm is { } start && ThreadCpuTime.Now() is { } now)
        {
            owner.CpuUsed += now - start;
            _lastReading = now;
            _lastReadingAt = Stopwatch.GetTimestamp();
        }
    }

    public override void Check()
    {
        if (GC.GetAllocatedBytesForCurrentThread() > _allocationLimit)
        {
            Stop("memory");
        }

        if (Stopwatch.GetTimestamp() <= _deadline)
        {
            return;
        }

        // The wall-clock budget is spent; what counts is the CPU this thread used: a busy machine may have
        // kept it waiting. Give it the CPU it has not used yet and look again then.
        if (_cpuAtArm is { } start && ThreadCpuTime.Now() is { } now && now - start < _cpuLeft)
        {
            _deadline = Stopwatch.GetTimestamp() + Ticks(_cpuLeft - (now - start));
            return;
        }

        Stop("CPU");
    }

    // Jint resets constraints at each entry into the engine; the budget belongs to the request, not to the entry.
    public override void Reset()
    {
    }

    private static long Ticks(TimeSpan time) => time <= TimeSpan.Zero ? 0 : (long)(time.TotalSeconds * Stopwatch.Frequency);

    private void Stop(string what)
    {
        Exceeded = what;
        _deadline = long.MaxValue;
        _allocationLimit = long.MaxValue;
        throw new CpuLimitExceededException(what == "CPU"
            ? "The worker exceeded its CPU time limit."
            : "The worker exceeded its memory limit.");
    }
}
