using System.Diagnostics;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A Jint constraint that stops a request whose JavaScript used more than its budget: CPU time summed over every
/// turn of the event loop that ran for that request (its handler, each continuation after I/O, its stream pulls
/// and timers), and bytes allocated within one turn (a turn runs every promise job it queues, so a loop of
/// <c>await</c>s on nothing is one turn; a body streamed through JavaScript chunk by chunk is many, and is not
/// stopped for its total). Armed before each turn with the CPU the request has left, charged after it.
/// A turn is timed by the cheap wall clock for its first <see cref="WallPart"/>; only a turn that runs longer
/// reads the thread's CPU time (when the interpreter next checks, and at its end), so a turn kept waiting by a busy machine is charged at most
/// <see cref="WallPart"/> for the wait, and the short turns of a cache hit make no system call for it.
/// </summary>
/// <remarks>
/// Amortizable (Jint checks it every few statements, not before each one): it only reads clocks and the
/// thread's allocation counter, which checking less often cannot change. An exact constraint would also turn
/// off Jint's fast loop paths for every script. The allocation budget can therefore be overshot by what a few
/// statements allocate; <see cref="Jint.Options.ConstraintOptions.MaxArraySize"/> bounds the largest single one.
/// </remarks>
internal sealed class CpuLimit : Jint.Constraint
{
    /// <summary>
    /// How much of each turn is timed by the wall clock. clock_gettime(CLOCK_THREAD_CPUTIME_ID) has no vDSO fast
    /// path: read before and after every turn it was 3-6 % of the engine thread's CPU on hits (session 8 profile),
    /// whose turns take tens of microseconds. Wall time is never less than the thread's CPU time, so a short turn
    /// is charged at least what it used.
    /// </summary>
    public static readonly TimeSpan WallPart = TimeSpan.FromMilliseconds(1);

    private static readonly long WallPartTicks = Ticks(WallPart);
    private readonly TimeSpan _cpuBudget;
    private readonly long _memoryBudget;
    private TimeSpan _cpuLeft;
    private long _armedAt;
    private long _deadline = long.MaxValue;

    // Set once the turn outlives WallPart: the thread's CPU time then, and the wall time the turn had run by then.
    private TimeSpan? _cpuAtReading;
    private TimeSpan _wallBeforeReading;
    private long _allocationLimit = long.MaxValue;

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
        _cpuAtReading = null;
        _wallBeforeReading = TimeSpan.Zero;
        _allocationLimit = GC.GetAllocatedBytesForCurrentThread() + _memoryBudget;
        _armedAt = Stopwatch.GetTimestamp();
        _deadline = _armedAt + Math.Min(Ticks(_cpuLeft), WallPartTicks);
    }

    /// <summary>Ends the turn and charges what it used to its request.</summary>
    public void Disarm(RequestState? owner)
    {
        _deadline = long.MaxValue;
        _allocationLimit = long.MaxValue;
        if (owner is not null)
        {
            owner.CpuUsed += Used();
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

        // The turn outlived its wall-clock part (or the budget); from here on what counts is the CPU this thread
        // uses: a busy machine may keep it waiting. Look again when the rest of the budget could be spent.
        if (_cpuAtReading is null && ThreadCpuTime.Now() is { } reading)
        {
            _cpuAtReading = reading;
            _wallBeforeReading = Stopwatch.GetElapsedTime(_armedAt);
        }

        var used = Used();
        if (used < _cpuLeft)
        {
            _deadline = Stopwatch.GetTimestamp() + Ticks(_cpuLeft - used);
            return;
        }

        Stop("CPU");
    }

    // The wall time of the turn while it is short (or where the thread's CPU time is not known); its first
    // WallPart of wall time and the CPU time after that once it is not.
    private TimeSpan Used() =>
        _cpuAtReading is { } start && ThreadCpuTime.Now() is { } now
            ? _wallBeforeReading + (now - start)
            : Stopwatch.GetElapsedTime(_armedAt);

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
