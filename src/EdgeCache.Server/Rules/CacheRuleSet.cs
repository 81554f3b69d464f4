using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Semantics;

namespace EdgeCache.Server.Rules;

/// <summary>
/// The ordered cache rules. Every matching rule applies, in order; a later rule overrides the
/// actions an earlier one set (Cloudflare's Cache Rules precedence). Validated at start-up.
/// </summary>
internal sealed class CacheRuleSet
{
    private static readonly HashSet<string> KnownMethods = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };

    private CacheRuleSet(IReadOnlyList<CacheRule> rules, bool defaultExtensionsOnly)
    {
        Rules = rules;
        DefaultExtensionsOnly = defaultExtensionsOnly;
    }

    public IReadOnlyList<CacheRule> Rules { get; }

    public bool DefaultExtensionsOnly { get; }

    public bool IsEmpty => Rules.Count == 0 && !DefaultExtensionsOnly;

    /// <summary>Compiles the rules; every problem is added to <paramref name="errors"/>, naming the rule and the field.</summary>
    public static CacheRuleSet Compile(IReadOnlyList<CacheRuleSettings> settings, bool defaultExtensionsOnly, List<string> errors)
    {
        var rules = new List<CacheRule>(settings.Count);
        for (var i = 0; i < settings.Count; i++)
        {
            var s = settings[i];
            var where = $"EdgeCache:Rules:{i}{(string.IsNullOrEmpty(s.Name) ? string.Empty : $" ('{s.Name}')")}";
            var before = errors.Count;
            var match = s.Match;
            var action = s.Action;

            if (match.Path is { } path && !path.StartsWith('/'))
            {
                errors.Add($"{where}: Match.Path '{path}' must start with '/'.");
            }

            if (match.Methods?.FirstOrDefault(m => !KnownMethods.Contains(m)) is { } badMethod)
            {
                errors.Add($"{where}: Match.Methods has '{badMethod}', which is not an HTTP method.");
            }

            if (match.Extensions?.Any(e => string.IsNullOrWhiteSpace(e) || e.StartsWith('.')) == true)
            {
                errors.Add($"{where}: Match.Extensions must be names without the dot, such as \"css\".");
            }

            var edgeTtl = ParseDuration(action.EdgeTtl, "Action.EdgeTtl", where, errors);
            var browserTtl = ParseDuration(action.BrowserTtl, "Action.BrowserTtl", where, errors);

            if (action.EdgeTtlByStatus is { Count: > 0 } byStatus)
            {
                try
                {
                    new CacheFetchOptions { CacheTtlByStatus = byStatus }.Validate();
                }
                catch (ArgumentException ex)
                {
                    errors.Add($"{where}: Action.EdgeTtlByStatus: {ex.Message.Replace("cacheTtlByStatus", "a key", StringComparison.Ordinal)}");
                }
            }

            bool? respect = action.OriginHeaders switch
            {
                null => null,
                "override" => false,
                "respect" => true,
                var other => Invalid(errors, $"{where}: Action.OriginHeaders must be 'override' or 'respect', not '{other}'."),
            };

            if (action.Bypass == true && (edgeTtl is not null || action.EdgeTtlByStatus is not null || action.CacheKey is not null))
            {
                errors.Add($"{where}: Action.Bypass cannot be combined with EdgeTtl, EdgeTtlByStatus or CacheKey.");
            }

            if (action.Tags?.Any(string.IsNullOrWhiteSpace) == true)
            {
                errors.Add($"{where}: Action.Tags must not contain empty tags.");
            }

            Dictionary<string, VaryHandling>? vary = null;
            foreach (var (field, handling) in action.Vary ?? [])
            {
                VaryHandling? parsed = handling switch
                {
                    "normalize" => VaryHandling.Normalize,
                    "pass-through" => VaryHandling.PassThrough,
                    "bypass" => VaryHandling.Bypass,
                    _ => null,
                };
                if (string.IsNullOrWhiteSpace(field) || field.AsSpan().IndexOfAny(" \t,:;\"") >= 0)
                {
                    errors.Add($"{where}: Action.Vary: '{field}' is not a header name.");
                }
                else if (parsed is null)
                {
                    errors.Add($"{where}: Action.Vary:{field} must be 'normalize', 'pass-through' or 'bypass', not '{handling}'.");
                }
                else
                {
                    (vary ??= new Dictionary<string, VaryHandling>(StringComparer.OrdinalIgnoreCase))[field] = parsed.Value;
                }
            }

            if (errors.Count > before)
            {
                continue;
            }

            rules.Add(new CacheRule
            {
                Name = string.IsNullOrEmpty(s.Name) ? $"rule {i}" : s.Name,
                Host = match.Host,
                Path = match.Path is { } p ? CacheRule.CompileGlob(p) : null,
                Extensions = match.Extensions is { Length: > 0 } ext ? new HashSet<string>(ext, StringComparer.OrdinalIgnoreCase) : null,
                Methods = match.Methods is { Length: > 0 } methods ? new HashSet<string>(methods, StringComparer.OrdinalIgnoreCase) : null,
                HeadersPresent = match.HeadersPresent ?? [],
                HeadersAbsent = match.HeadersAbsent ?? [],
                Bypass = action.Bypass,
                EdgeTtl = edgeTtl,
                EdgeTtlByStatus = action.EdgeTtlByStatus,
                RespectOrigin = respect,
                BrowserTtl = browserTtl,
                CacheKey = action.CacheKey is { } key ? new CacheKeyTemplate(key) : null,
                Tags = action.Tags,
                DeceptionArmour = action.DeceptionArmour ?? true,
                DangerouslyCachePrivate = action.DangerouslyCachePrivate,
                Vary = vary,
            });
        }

        return new CacheRuleSet(rules, defaultExtensionsOnly);
    }

    /// <summary>The combined instructions for a request, or null when nothing applies.</summary>
    public ProxyCachePolicyFeature? Evaluate(HttpRequest request)
    {
        // Rules read the same canonical target as the cache key and the origin URL; one that cannot be
        // forwarded is the proxy's to refuse.
        if (CanonicalTarget.Remember(request.HttpContext) is not { } target)
        {
            return null;
        }

        var matchPath = target.MatchPath;
        RuleOutcome? outcome = null;
        foreach (var rule in Rules)
        {
            if (rule.Matches(request, matchPath))
            {
                (outcome ??= new RuleOutcome()).Apply(rule);
                if (rule.Extensions is not null)
                {
                    // The last extension rule that matched decides whether its response must fit the extension.
                    outcome.ArmouredExtension = rule.DeceptionArmour ? CanonicalTarget.ExtensionOf(matchPath).ToString() : null;
                }
            }
        }

        if (DefaultExtensionsOnly && outcome?.EdgeTtl is null && outcome?.EdgeTtlByStatus is null)
        {
            var extension = CanonicalTarget.ExtensionOf(matchPath);
            if (!DefaultCacheableExtensions.IsDefault(extension))
            {
                (outcome ??= new RuleOutcome()).Bypass = true;
            }
            else if (outcome is null || !outcome.ArmourDecided)
            {
                // Cached by its extension alone: the same armour as an extension rule.
                (outcome ??= new RuleOutcome()).ArmouredExtension = extension.ToString();
            }
        }

        return outcome?.ToFeature(request, target);
    }

    private static bool? Invalid(List<string> errors, string message)
    {
        errors.Add(message);
        return null;
    }

    /// <summary>A rule's duration field, or null (absent, or wrong: then the error names the rule and the field).</summary>
    private static TimeSpan? ParseDuration(string? text, string field, string where, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (Duration.TryParse(text, out var parsed))
        {
            return parsed;
        }

        errors.Add($"{where}: {field} '{text}' must be seconds or a duration such as 90s, 30m, 2h, 7d.");
        return null;
    }
}
