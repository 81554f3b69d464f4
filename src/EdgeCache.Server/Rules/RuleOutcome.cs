using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.Server.Rules;

/// <summary>The actions of the matching rules, merged in order (later rules override).</summary>
internal sealed class RuleOutcome
{
    public bool Bypass { get; set; }

    public TimeSpan? EdgeTtl { get; private set; }

    public IReadOnlyDictionary<string, int>? EdgeTtlByStatus { get; private set; }

    public bool RespectOrigin { get; private set; }

    public TimeSpan? BrowserTtl { get; private set; }

    public CacheKeyTemplate? CacheKey { get; private set; }

    public List<string>? Tags { get; private set; }

    /// <summary>
    /// The request's extension when the response is cached by it and must fit it (cache deception armour);
    /// null when no extension match applies or the matching rule turned the armour off.
    /// </summary>
    public string? ArmouredExtension
    {
        get;
        set
        {
            field = value;
            ArmourDecided = true;
        }
    }

    /// <summary>An extension rule matched (and decided the armour, on or off).</summary>
    public bool ArmourDecided { get; private set; }

    /// <summary>Dangerous: the edge TTL may share what the origin marked private.</summary>
    public bool DangerouslyCachePrivate { get; private set; }

    /// <summary>Per-field Vary handling; a later rule overrides an earlier one field by field.</summary>
    public Dictionary<string, VaryHandling>? Vary { get; private set; }

    public void Apply(CacheRule rule)
    {
        if (rule.Bypass is { } bypass)
        {
            Bypass = bypass;
        }

        // The edge TTL settings of a rule replace an earlier rule's as one unit.
        if (rule.EdgeTtl is not null || rule.EdgeTtlByStatus is not null)
        {
            EdgeTtl = rule.EdgeTtl;
            EdgeTtlByStatus = rule.EdgeTtlByStatus;
            RespectOrigin = rule.RespectOrigin ?? false;
            Bypass = rule.Bypass ?? false;
        }
        else
        {
            RespectOrigin = rule.RespectOrigin ?? RespectOrigin;
        }

        DangerouslyCachePrivate = rule.DangerouslyCachePrivate ?? DangerouslyCachePrivate;
        BrowserTtl = rule.BrowserTtl ?? BrowserTtl;
        CacheKey = rule.CacheKey ?? CacheKey;
        if (rule.Vary is { } vary)
        {
            Vary ??= new Dictionary<string, VaryHandling>(StringComparer.OrdinalIgnoreCase);
            foreach (var (field, handling) in vary)
            {
                Vary[field] = handling;
            }
        }

        if (rule.Tags is { Length: > 0 } tags)
        {
            (Tags ??= []).AddRange(tags);
        }
    }

    public ProxyCachePolicyFeature ToFeature(HttpRequest request, CanonicalTarget target)
    {
        var feature = new ProxyCachePolicyFeature { Bypass = Bypass };
        if (Bypass)
        {
            return feature;
        }

        feature.CacheKey = CacheKey?.Build(request, target);
        feature.DangerouslyCachePrivate = DangerouslyCachePrivate;
        feature.Vary = Vary;
        if (ArmouredExtension is { Length: > 0 } extension)
        {
            feature.MayStore = response => ExtensionContentTypes.Fits(extension, response.Content.Headers.ContentType?.MediaType);
        }

        if (EdgeTtl is not null || EdgeTtlByStatus is not null || BrowserTtl is not null || Tags is not null)
        {
            var ttls = new CacheFetchOptions { CacheTtl = EdgeTtl, CacheTtlByStatus = EdgeTtlByStatus };
            var respect = RespectOrigin;
            var browser = BrowserTtl;
            var tags = Tags;
            feature.OnOriginResponse = response => OriginResponseRewrite.Apply(response, ttls, respect, browser, tags);
        }

        return feature;
    }
}
