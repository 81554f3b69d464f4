using EdgeCache.Semantics;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// Range (<see cref="RangeEvaluation"/>) against a length from the input: never throws; every range lies
/// inside the body and is non-empty; several ranges never add up to more than the body; at most 64.
/// </summary>
internal sealed class RangeTarget : IFuzzTarget
{
    public string Name => "range";

    public void Run(ReadOnlySpan<byte> input)
    {
        // Lengths up to 2^40: small ones reach the edges (0, 1), large ones the long arithmetic.
        var (length, header) = FuzzInput.NumberAndText(input, 1L << 40);
        if (length > 1 << 20)
        {
            length = (length & 1) == 0 ? length : length % 1024;
        }

        var outcome = RangeEvaluation.Evaluate(header, length, out var ranges);
        FuzzInput.Check(outcome == RangeOutcome.Partial || ranges.Count == 0, $"{outcome} with ranges");
        if (outcome != RangeOutcome.Partial)
        {
            return;
        }

        FuzzInput.Check(ranges.Count is >= 1 and <= RangeEvaluation.MaxRanges, $"{ranges.Count} ranges");
        long sum = 0;
        foreach (var range in ranges)
        {
            FuzzInput.Check(range.Offset >= 0 && range.Length >= 1 && range.Offset + range.Length <= length, $"range {range} outside a body of {length}");
            sum += range.Length;
        }

        FuzzInput.Check(ranges.Count == 1 || sum <= length, $"ranges add up to {sum} over a body of {length}");
    }
}
