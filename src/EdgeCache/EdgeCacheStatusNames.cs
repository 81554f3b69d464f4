namespace EdgeCache;

/// <summary>The <c>cf-cache-status</c> header and the spelling of each <see cref="EdgeCacheStatus"/> in it.</summary>
public static class EdgeCacheStatusNames
{
    /// <summary>The response header that carries the status, as on Cloudflare.</summary>
    public const string Header = "cf-cache-status";

    /// <summary><see cref="EdgeCacheStatus.Hit"/> as the header spells it.</summary>
    public const string Hit = "HIT";

    /// <summary><see cref="EdgeCacheStatus.Miss"/> as the header spells it.</summary>
    public const string Miss = "MISS";

    /// <summary><see cref="EdgeCacheStatus.Expired"/> as the header spells it.</summary>
    public const string Expired = "EXPIRED";

    /// <summary><see cref="EdgeCacheStatus.Stale"/> as the header spells it.</summary>
    public const string Stale = "STALE";

    /// <summary><see cref="EdgeCacheStatus.Updating"/> as the header spells it.</summary>
    public const string Updating = "UPDATING";

    /// <summary><see cref="EdgeCacheStatus.Revalidated"/> as the header spells it.</summary>
    public const string Revalidated = "REVALIDATED";

    /// <summary><see cref="EdgeCacheStatus.Bypass"/> as the header spells it.</summary>
    public const string Bypass = "BYPASS";

    /// <summary><see cref="EdgeCacheStatus.Dynamic"/> as the header spells it (and how <see cref="EdgeCacheStatus.None"/> is counted).</summary>
    public const string Dynamic = "DYNAMIC";

    /// <summary>How metrics and the status page name <see cref="EdgeCacheStatus.Other"/>.</summary>
    public const string Other = "OTHER";

    /// <summary>
    /// The header value of a status; <see cref="EdgeCacheStatus.None"/> gives <see cref="Dynamic"/> (how a
    /// response made without the cache is counted). Constant strings: nothing is allocated.
    /// </summary>
    public static string ToHeaderValue(this EdgeCacheStatus status) => status switch
    {
        EdgeCacheStatus.Hit => Hit,
        EdgeCacheStatus.Miss => Miss,
        EdgeCacheStatus.Expired => Expired,
        EdgeCacheStatus.Stale => Stale,
        EdgeCacheStatus.Updating => Updating,
        EdgeCacheStatus.Revalidated => Revalidated,
        EdgeCacheStatus.Bypass => Bypass,
        EdgeCacheStatus.Other => Other,
        _ => Dynamic,
    };

    /// <summary>Reads a header value (case-sensitive, as Cloudflare writes it); <see langword="null"/> or empty is <see cref="EdgeCacheStatus.None"/>.</summary>
    public static EdgeCacheStatus Parse(string? value) => value switch
    {
        null or "" => EdgeCacheStatus.None,
        Hit => EdgeCacheStatus.Hit,
        Miss => EdgeCacheStatus.Miss,
        Expired => EdgeCacheStatus.Expired,
        Stale => EdgeCacheStatus.Stale,
        Updating => EdgeCacheStatus.Updating,
        Revalidated => EdgeCacheStatus.Revalidated,
        Bypass => EdgeCacheStatus.Bypass,
        Dynamic => EdgeCacheStatus.Dynamic,
        _ => EdgeCacheStatus.Other,
    };
}
