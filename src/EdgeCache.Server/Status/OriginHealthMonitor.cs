using System.Diagnostics.Metrics;
using EdgeCache.Diagnostics;

namespace EdgeCache.Server.Status;

/// <summary>
/// Origin round trips and failures for the status page, read from EdgeCache's own instruments
/// (<c>edgecache.origin.duration</c> and <c>edgecache.origin.errors</c>) with a
/// <see cref="MeterListener"/>, so the origin client needs no second reporting path. Latency figures
/// cover the last <see cref="LatencySamples"/> round trips. The meter is process-wide: two servers in
/// one process (tests) see each other's origin traffic here.
/// </summary>
internal sealed class OriginHealthMonitor : IDisposable
{
    /// <summary>Round trips the latency figures cover.</summary>
    public const int LatencySamples = 512;

    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly double[] _latencies = new double[LatencySamples];
    private readonly MeterListener _listener = new();
    private int _next;
    private int _filled;
    private long _roundTrips;
    private long _errors;
    private OriginError? _lastError;

    public OriginHealthMonitor(TimeProvider time)
    {
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EdgeCacheTelemetry.Name && instrument.Name is "edgecache.origin.duration" or "edgecache.origin.errors")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => RecordRoundTrip(seconds));
        _listener.SetMeasurementEventCallback<long>((_, count, tags, _) => RecordErrors(count, tags));
    }

    /// <summary>Starts listening (idempotent).</summary>
    public void Start() => _listener.Start();

    /// <summary>Counts one round trip that took <paramref name="seconds"/> until the response headers (or the failure).</summary>
    public void RecordRoundTrip(double seconds)
    {
        lock (_sync)
        {
            _latencies[_next] = seconds;
            _next = (_next + 1) % LatencySamples;
            _filled = Math.Min(_filled + 1, LatencySamples);
            _roundTrips++;
        }
    }

    /// <summary>A snapshot: round trips, failures, the last failure, and the median and mean latency of the recent round trips.</summary>
    public OriginHealth Snapshot()
    {
        double[] recent;
        long roundTrips, errors;
        OriginError? last;
        lock (_sync)
        {
            recent = _latencies[.._filled];
            roundTrips = _roundTrips;
            errors = _errors;
            last = _lastError;
        }

        double? median = null, mean = null;
        if (recent.Length > 0)
        {
            Array.Sort(recent);
            median = recent.Length % 2 == 1 ? recent[recent.Length / 2] : (recent[(recent.Length / 2) - 1] + recent[recent.Length / 2]) / 2;
            double sum = 0;
            foreach (var value in recent)
            {
                sum += value;
            }

            mean = sum / recent.Length;
        }

        return new OriginHealth(roundTrips, errors, last, median * 1000, mean * 1000, recent.Length);
    }

    public void Dispose() => _listener.Dispose();

    private void RecordErrors(long count, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var type = "error";
        foreach (var tag in tags)
        {
            if (tag.Key == "error.type" && tag.Value is string value)
            {
                type = value;
            }
        }

        var error = new OriginError(type, _time.GetUtcNow());
        lock (_sync)
        {
            _errors += count;
            _lastError = error;
        }
    }
}
