namespace EdgeCache.Server.Rules;

/// <summary>One cache rule as written in configuration (<c>EdgeCache:Rules</c>); compiled into a <see cref="CacheRule"/>.</summary>
internal sealed class CacheRuleSettings
{
    /// <summary>A name for logs and error messages.</summary>
    public string? Name { get; set; }

    /// <summary>What requests the rule applies to; every condition given must hold.</summary>
    public RuleMatchSettings Match { get; set; } = new();

    /// <summary>What the rule does.</summary>
    public RuleActionSettings Action { get; set; } = new();
}

/// <summary>Request conditions of a rule.</summary>
internal sealed class RuleMatchSettings
{
    /// <summary>Host name, exact or <c>*.example.com</c>.</summary>
    public string? Host { get; set; }

    /// <summary>Path glob: <c>*</c> within one segment, <c>**</c> across segments (<c>/static/**</c>).</summary>
    public string? Path { get; set; }

    /// <summary>File extensions without the dot (<c>css</c>, <c>js</c>).</summary>
    public string[]? Extensions { get; set; }

    /// <summary>Methods (<c>GET</c>, <c>HEAD</c>).</summary>
    public string[]? Methods { get; set; }

    /// <summary>Request headers that must be present.</summary>
    public string[]? HeadersPresent { get; set; }

    /// <summary>Request headers that must be absent.</summary>
    public string[]? HeadersAbsent { get; set; }
}

/// <summary>Actions of a rule. A later matching rule overrides the fields it sets.</summary>
internal sealed class RuleActionSettings
{
    /// <summary>Bypass the cache (forward, never store).</summary>
    public bool? Bypass { get; set; }

    /// <summary>Edge TTL: seconds or a duration (<c>3600</c>, <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>7d</c>).</summary>
    public string? EdgeTtl { get; set; }

    /// <summary>Edge TTL by status or range (<c>"200-299": 3600</c>); 0 expires at once, negative means do not cache.</summary>
    public Dictionary<string, int>? EdgeTtlByStatus { get; set; }

    /// <summary><c>override</c> (default): the edge TTL replaces the origin's headers; <c>respect</c>: it applies only when the origin sent none.</summary>
    public string? OriginHeaders { get; set; }

    /// <summary>Browser TTL: the <c>Cache-Control: max-age</c> sent to clients (seconds or a duration).</summary>
    public string? BrowserTtl { get; set; }

    /// <summary>Custom cache key.</summary>
    public CacheKeySettings? CacheKey { get; set; }

    /// <summary>Tags added to stored responses (for purge by tag).</summary>
    public string[]? Tags { get; set; }

    /// <summary>
    /// Cache deception armour (default on): when the rule matches by <c>Extensions</c>, a response is stored only
    /// when its Content-Type fits the request's extension (css: text/css, js: a JavaScript type, images: image/*, ...).
    /// </summary>
    public bool? DeceptionArmour { get; set; }

    /// <summary>Dangerous: the rule's edge TTL also applies to responses the origin marked <c>private</c> or <c>no-store</c>.</summary>
    public bool? DangerouslyCachePrivate { get; set; }

    /// <summary>
    /// Per request field named by the origin's <c>Vary</c>: <c>normalize</c>, <c>pass-through</c> or <c>bypass</c>
    /// (<c>{"Accept-Language": "normalize", "User-Agent": "bypass"}</c>).
    /// </summary>
    public Dictionary<string, string>? Vary { get; set; }
}

/// <summary>How a rule builds the cache key.</summary>
internal sealed class CacheKeySettings
{
    /// <summary>Query parameters to keep (all when empty or null), e.g. <c>["id", "page"]</c>.</summary>
    public string[]? IncludeQuery { get; set; }

    /// <summary>Query parameters to drop, e.g. <c>["utm_source", "fbclid"]</c>.</summary>
    public string[]? ExcludeQuery { get; set; }

    /// <summary>Drop the whole query string.</summary>
    public bool IgnoreQuery { get; set; }

    /// <summary>Sort query parameters so their order does not matter.</summary>
    public bool SortQuery { get; set; }

    /// <summary>Request headers whose values become part of the key.</summary>
    public string[]? Headers { get; set; }

    /// <summary>Cookies whose values become part of the key.</summary>
    public string[]? Cookies { get; set; }

    /// <summary>Lower-case path and query in the key.</summary>
    public bool IgnoreCase { get; set; }
}
