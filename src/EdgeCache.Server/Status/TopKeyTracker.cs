using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Server.Status;

/// <summary>
/// The most requested URLs, approximately, in bounded memory: the Space-Saving algorithm over at
/// most <see cref="Capacity"/> URLs of at most <see cref="MaxKeyLength"/> characters. A URL already
/// tracked costs a span lookup (its text is assembled in a reused buffer, no string is made); a new
/// URL that displaces the least counted one inherits that count, recorded as its possible
/// overcount. The tracker never blocks a request: when another request holds it, the request is
/// not counted (under heavy concurrency the counts become a sample, which ranks the same keys).
/// </summary>
internal sealed class TopKeyTracker
{
    /// <summary>Most URLs tracked at once.</summary>
    public const int Capacity = 64;

    /// <summary>Longer URLs are cut to this length (and counted together with others sharing the cut).</summary>
    public const int MaxKeyLength = 256;

    private readonly Lock _sync = new();
    private readonly char[] _buffer = new char[MaxKeyLength];
    private readonly string?[] _keys = new string?[Capacity];
    private readonly long[] _counts = new long[Capacity];
    private readonly long[] _overcounts = new long[Capacity];
    private readonly Dictionary<string, int> _slots = new(Capacity, StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _used;
    private long _counted;
    private long _skipped;

    public TopKeyTracker()
    {
        _lookup = _slots.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Counts a request under its URL as the client sent it (scheme, host, raw target).</summary>
    public void Record(HttpContext context)
    {
        if (!_sync.TryEnter())
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        try
        {
            Count(_buffer.AsSpan(0, Format(context, _buffer)));
        }
        finally
        {
            _sync.Exit();
        }
    }

    /// <summary>Counts one occurrence of a key (the tests' entry point; <see cref="Record(HttpContext)"/> for requests).</summary>
    public void Record(ReadOnlySpan<char> key)
    {
        if (!_sync.TryEnter())
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        try
        {
            Count(key.Length > MaxKeyLength ? key[..MaxKeyLength] : key);
        }
        finally
        {
            _sync.Exit();
        }
    }

    /// <summary>The <paramref name="count"/> most counted keys, most counted first, and how many requests were counted or skipped.</summary>
    public TopKeys Snapshot(int count)
    {
        TopKey[] all;
        long counted;
        lock (_sync)
        {
            all = new TopKey[_used];
            for (var i = 0; i < _used; i++)
            {
                all[i] = new TopKey(_keys[i]!, _counts[i], _overcounts[i]);
            }

            counted = _counted;
        }

        Array.Sort(all, static (a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Url, b.Url));
        return new TopKeys(counted, Interlocked.Read(ref _skipped), all.Length <= count ? all : all[..count]);
    }

    private void Count(ReadOnlySpan<char> key)
    {
        _counted++;
        if (_lookup.TryGetValue(key, out var slot))
        {
            _counts[slot]++;
            return;
        }

        if (_used < Capacity)
        {
            slot = _used++;
            _overcounts[slot] = 0;
            _counts[slot] = 1;
        }
        else
        {
            // Space-Saving: the newcomer takes the least counted slot and its count.
            slot = 0;
            for (var i = 1; i < Capacity; i++)
            {
                if (_counts[i] < _counts[slot])
                {
                    slot = i;
                }
            }

            _slots.Remove(_keys[slot]!);
            _overcounts[slot] = _counts[slot];
            _counts[slot]++;
        }

        var text = key.ToString();
        _keys[slot] = text;
        _slots[text] = slot;
    }

    /// <summary>Writes <c>scheme://host</c> and the raw request target into the buffer, cut to its length.</summary>
    private static int Format(HttpContext context, char[] buffer)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            target = request.Path.HasValue ? request.Path.Value : "/";
        }

        var span = buffer.AsSpan();
        var length = 0;
        if (target[0] == '/')
        {
            Append(span, ref length, request.Scheme);
            Append(span, ref length, "://");
            Append(span, ref length, request.Host.Value);
        }

        Append(span, ref length, target);
        return length;
    }

    private static void Append(Span<char> buffer, ref int length, string? text)
    {
        if (string.IsNullOrEmpty(text) || length >= buffer.Length)
        {
            return;
        }

        var take = Math.Min(text.Length, buffer.Length - length);
        text.AsSpan(0, take).CopyTo(buffer[length..]);
        length += take;
    }
}
