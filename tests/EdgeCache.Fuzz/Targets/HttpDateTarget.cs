using EdgeCache.Semantics;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// HTTP dates (<see cref="HttpDate"/>): never throws; an IMF-fixdate that parses formats back to the same
/// text (the day name aside, which the parser does not check) and parses again to the same instant.
/// </summary>
internal sealed class HttpDateTarget : IFuzzTarget
{
    public string Name => "http-date";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = FuzzInput.Text(input);
        _ = HttpDate.TryParse(text, out _);
        if (!HttpDate.TryParseStrict(text, out var value))
        {
            return;
        }

        FuzzInput.Check(value.Offset == TimeSpan.Zero, "a date that is not UTC");
        var formatted = HttpDate.Format(value);
        FuzzInput.Check(formatted[3..] == text[3..], $"'{text}' formats as '{formatted}'");
        FuzzInput.Check(HttpDate.TryParseStrict(formatted, out var again) && again == value, $"'{formatted}' does not parse back to {value:O}");
        FuzzInput.Check(HttpDate.TryParse(text, out var lenient) && lenient == value, "the lenient parser reads a fixdate differently");
    }
}
