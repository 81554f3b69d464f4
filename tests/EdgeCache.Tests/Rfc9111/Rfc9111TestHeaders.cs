using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Tests.Rfc9111;

/// <summary>Builds header lists and response facts for the pure-rule tests.</summary>
internal static class Rfc9111TestHeaders
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static List<KeyValuePair<string, string>> Headers(params (string Name, string Value)[] headers)
        => headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList();

    public static ResponseFacts Facts(int status, params (string Name, string Value)[] headers) => ResponseFacts.From(status, Headers(headers));

    public static string Date(TimeSpan offset = default) => (Now + offset).ToString("r");
}
