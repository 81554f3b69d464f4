using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Entries;

/// <summary>What a <see cref="ICacheEntryPolicy"/> decided for one response: store it or not (and why), the fields it is stored without, and its lifetime.</summary>
public readonly struct EntryDecision
{
    private EntryDecision(bool store, string reason, bool responseDriven, IReadOnlyList<string> strippedFields, EntryLifetime lifetime)
        => (Store, Reason, ResponseDriven, StrippedFields, Lifetime) = (store, reason, responseDriven, strippedFields, lifetime);

    /// <summary>True when the response may be stored.</summary>
    public bool Store { get; }

    /// <summary>Why (a short name, for logs): <c>Store</c>, or the rule that kept the response out.</summary>
    public string Reason { get; }

    /// <summary>
    /// True when the reason lies in the response alone, so the next request for the URL will very likely get an
    /// uncacheable answer too (the proxy's cue for hit-for-pass).
    /// </summary>
    public bool ResponseDriven { get; }

    /// <summary>Fields the stored copy goes without (named by qualified <c>private</c> / <c>no-cache</c>, or by the profile).</summary>
    public IReadOnlyList<string> StrippedFields { get; }

    /// <summary>The stored response's age, freshness and retention (meaningful when <see cref="Store"/>).</summary>
    public EntryLifetime Lifetime { get; }

    /// <summary>A decision to store, with the fields to strip and the lifetime.</summary>
    internal static EntryDecision Stored(string reason, IReadOnlyList<string> strippedFields, EntryLifetime lifetime)
        => new(true, reason, responseDriven: false, strippedFields, lifetime);

    /// <summary>A decision not to store.</summary>
    /// <param name="reason">The rule that kept the response out.</param>
    /// <param name="responseDriven">Whether the reason lies in the response alone (see <see cref="ResponseDriven"/>).</param>
    public static EntryDecision NotStored(string reason, bool responseDriven) => new(false, reason, responseDriven, [], default);

    /// <summary>This decision turned into a refusal by a rule of the caller's own (the lifetime is kept: the response may still be served once).</summary>
    /// <param name="reason">The rule that kept the response out.</param>
    public EntryDecision Refusing(string reason) => new(false, reason, responseDriven: true, [], Lifetime);

    /// <summary>This decision, the stored copy also going without <paramref name="field"/>.</summary>
    public EntryDecision Stripping(string field)
        => Contains(StrippedFields, field) ? this : new(Store, Reason, ResponseDriven, [.. StrippedFields, field], Lifetime);

    /// <summary>True when the stored copy goes without <paramref name="field"/>.</summary>
    public bool Strips(string field) => Contains(StrippedFields, field);

    internal static EntryDecision From(StorageDecision decision, EntryLifetime lifetime)
        => new(decision.Store, VerdictNames[(int)decision.Verdict], decision.ResponseDriven, decision.StrippedFields, lifetime);

    // The verdicts' names, once: a miss names its verdict without boxing an enum or formatting a string.
    private static readonly string[] VerdictNames = Enum.GetNames<StorageVerdict>();

    internal static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
