using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace EdgeCache.Storage;

/// <summary>
/// The tiered store's admission filter for promotions (TinyLFU's "doorkeeper", Einziger et al., 2017): a Bloom filter of
/// the keys found below memory in the current window. A key is admitted to memory on its second hit below within a
/// window; the first only marks it. The whole filter is cleared when a window ends, so a key must recur within one.
/// </summary>
/// <remarks>
/// Lock-free: bits are set with <see cref="Interlocked.Or(ref ulong, ulong)"/>, and a clear that races a recording
/// may drop that recording (or one of its two bits). A dropped recording only makes that key's next hit below a
/// first one again: a promotion comes one hit later, never a wrong one. No allocation per call.
/// </remarks>
internal sealed class PromotionDoorkeeper
{
    /// <summary>
    /// 2^18 bits (32 KB, one array per tiered store). The window is at most an eighth of the bits, so a full window sets
    /// at most 1 - e^-(2/8) = 22 % of them and a key never seen passes for a seen one (both its bits set) at most 4.9 %
    /// of the time; such a false "seen" is only a promotion on the first hit, what every hit did without the filter.
    /// </summary>
    public const int DefaultBits = 1 << 18;

    /// <summary>
    /// The shortest window, in recordings: an empty or nearly empty memory tier still admits a key that recurs within
    /// this many hits below (after a restart the disk tier is full and memory empty; hot keys come back at once).
    /// </summary>
    public const int MinWindow = 256;

    private readonly ulong[] _words;
    private readonly uint _mask;
    private readonly int _maxWindow;
    private readonly Func<int> _targetWindow;
    private int _window;
    private int _recordings;

    /// <summary>
    /// A doorkeeper of <paramref name="bits"/> bits (a power of two, at least 2048) whose window, set again at each clear, is
    /// <paramref name="targetWindow"/>'s answer, kept from <see cref="MinWindow"/> to an eighth of the bits.
    /// </summary>
    public PromotionDoorkeeper(Func<int> targetWindow, int bits = DefaultBits)
    {
        ArgumentNullException.ThrowIfNull(targetWindow);
        if (bits < 8 * MinWindow || (bits & (bits - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "The doorkeeper's bit count must be a power of two of at least 2048.");
        }

        _words = new ulong[bits / 64];
        _mask = (uint)bits - 1;
        _maxWindow = bits / 8;
        _targetWindow = targetWindow;
        _window = NextWindow();
    }

    /// <summary>Recordings the current window holds before the filter is cleared.</summary>
    public int Window => Volatile.Read(ref _window);

    /// <summary>
    /// Records a hit below memory of <paramref name="key"/>: true when the key was already recorded in this window (admit
    /// it), false when this is its first (it is marked, not admitted).
    /// </summary>
    public bool RecordAndCheck(string key)
    {
        // One 64-bit hash gives both bit positions (Kirsch and Mitzenmacher: two independent halves suffice for k = 2).
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()));
        var first = (uint)hash & _mask;
        var second = (uint)(hash >> 32) & _mask;
        var firstBit = 1UL << (int)(first & 63);
        var secondBit = 1UL << (int)(second & 63);

        // Interlocked.Or returns the word before the or: the key was seen when both of its bits were set already.
        var seen = (Interlocked.Or(ref _words[first >> 6], firstBit) & firstBit) != 0;
        seen &= (Interlocked.Or(ref _words[second >> 6], secondBit) & secondBit) != 0;

        if (Interlocked.Increment(ref _recordings) >= Volatile.Read(ref _window))
        {
            EndWindow();
        }

        return seen;
    }

    private void EndWindow()
    {
        // Only the recording that takes the full count clears: one that arrives meanwhile takes the few counted since
        // (the new window runs that much longer) and returns.
        if (Interlocked.Exchange(ref _recordings, 0) < Volatile.Read(ref _window))
        {
            return;
        }

        Array.Clear(_words);
        Volatile.Write(ref _window, NextWindow());
    }

    private int NextWindow() => Math.Clamp(_targetWindow(), MinWindow, _maxWindow);
}
