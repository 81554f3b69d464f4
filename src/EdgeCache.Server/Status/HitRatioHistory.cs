namespace EdgeCache.Server.Status;

/// <summary>
/// The request and cached-response counts of the last <see cref="Window"/>, in buckets of
/// <see cref="BucketLength"/>: a <see cref="TimeProvider"/> timer samples
/// <see cref="CacheStatusCounters"/> at the end of each bucket into a ring. Readers also get the
/// bucket in progress, so traffic shows before its bucket closes.
/// </summary>
internal sealed class HitRatioHistory : IDisposable
{
    /// <summary>The length of one bucket.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromSeconds(5);

    /// <summary>Buckets kept: 15 minutes.</summary>
    public const int BucketCount = 180;

    private readonly CacheStatusCounters _counters;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly HitRatioPoint[] _ring = new HitRatioPoint[BucketCount];
    private int _next;
    private int _filled;
    private long _sampledRequests;
    private long _sampledCached;
    private DateTimeOffset _bucketStart;
    private ITimer? _timer;

    public HitRatioHistory(CacheStatusCounters counters, TimeProvider time)
    {
        _counters = counters;
        _time = time;
        _bucketStart = time.GetUtcNow();
    }

    /// <summary>The span the buckets cover.</summary>
    public static TimeSpan Window => BucketLength * BucketCount;

    /// <summary>Starts sampling (idempotent). Traffic before the start falls into the first bucket.</summary>
    public void Start()
    {
        lock (_sync)
        {
            _timer ??= _time.CreateTimer(static state => ((HitRatioHistory)state!).Sample(), this, BucketLength, BucketLength);
        }
    }

    /// <summary>Closes the current bucket: what was counted since the last sample becomes one point.</summary>
    public void Sample()
    {
        var (requests, cached) = _counters.Totals();
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            _ring[_next] = new HitRatioPoint(_bucketStart, requests - _sampledRequests, cached - _sampledCached);
            _next = (_next + 1) % BucketCount;
            _filled = Math.Min(_filled + 1, BucketCount);
            _sampledRequests = requests;
            _sampledCached = cached;
            _bucketStart = now;
        }
    }

    /// <summary>The closed buckets, oldest first, then the bucket in progress (at most <see cref="BucketCount"/> points in all).</summary>
    public IReadOnlyList<HitRatioPoint> Snapshot()
    {
        var (requests, cached) = _counters.Totals();
        lock (_sync)
        {
            var closed = Math.Min(_filled, BucketCount - 1);
            var points = new HitRatioPoint[closed + 1];
            for (var i = 0; i < closed; i++)
            {
                points[i] = _ring[(_next - closed + i + BucketCount) % BucketCount];
            }

            points[closed] = new HitRatioPoint(_bucketStart, requests - _sampledRequests, cached - _sampledCached);
            return points;
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }
}
