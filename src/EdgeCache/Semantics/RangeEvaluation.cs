using System.Net.Http.Headers;

namespace EdgeCache.Semantics;

/// <summary>What a <c>Range</c> header asks of a representation (RFC 9110 section 14).</summary>
public enum RangeOutcome
{
    /// <summary>No Range, or one that must be ignored (bad syntax, other unit, too many ranges): serve the whole body.</summary>
    Whole,

    /// <summary>Every range lies outside the representation: 416 with <c>Content-Range: bytes */N</c>.</summary>
    Unsatisfiable,

    /// <summary>One or more satisfiable ranges: 206.</summary>
    Partial,
}

/// <summary>Resolves a <c>Range</c> header against a length. Never throws.</summary>
public static class RangeEvaluation
{
    /// <summary>More ranges than this in one header are treated as an attack and ignored (RFC 9110 section 14.2 allows it).</summary>
    internal const int MaxRanges = 64;

    /// <summary>Evaluates a <c>Range</c> field against a representation of <paramref name="length"/> bytes; <paramref name="ranges"/> holds the satisfiable ranges when the outcome is partial content.</summary>
    public static RangeOutcome Evaluate(string? rangeHeader, long length, out IReadOnlyList<ByteRange> ranges)
    {
        ranges = [];
        if (string.IsNullOrWhiteSpace(rangeHeader)
            || !RangeHeaderValue.TryParse(rangeHeader, out var parsed)
            || !string.Equals(parsed.Unit, "bytes", StringComparison.OrdinalIgnoreCase)
            || parsed.Ranges.Count is 0 or > MaxRanges)
        {
            return RangeOutcome.Whole;
        }

        var result = new List<ByteRange>(parsed.Ranges.Count);
        foreach (var item in parsed.Ranges)
        {
            if (item.From is { } from)
            {
                if (item.To is { } to && to < from)
                {
                    // An invalid range-spec makes the whole field invalid: ignore it.
                    return RangeOutcome.Whole;
                }

                if (from >= length)
                {
                    continue;
                }

                var last = Math.Min(item.To ?? (length - 1), length - 1);
                result.Add(new ByteRange(from, last - from + 1));
            }
            else if (item.To is { } suffix)
            {
                if (suffix == 0 || length == 0)
                {
                    continue;
                }

                var count = Math.Min(suffix, length);
                result.Add(new ByteRange(length - count, count));
            }
        }

        if (result.Count == 0)
        {
            return RangeOutcome.Unsatisfiable;
        }

        if (result.Count > 1)
        {
            // Several ranges that add up to more than the body (overlaps, repeats) would amplify a
            // small entry into a large answer: serve the whole body instead, as nginx does.
            long sum = 0;
            foreach (var range in result)
            {
                sum += range.Length;
            }

            if (sum > length)
            {
                return RangeOutcome.Whole;
            }
        }

        ranges = result;
        return RangeOutcome.Partial;
    }
}
