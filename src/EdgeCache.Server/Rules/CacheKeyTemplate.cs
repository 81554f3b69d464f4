using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;
using System.Text;

namespace EdgeCache.Server.Rules;

/// <summary>Builds a custom cache key from a request: host, path, a filtered query, and chosen headers and cookies.</summary>
internal sealed class CacheKeyTemplate(CacheKeySettings settings)
{
    private readonly HashSet<string>? _include = settings.IncludeQuery is { Length: > 0 } i ? new(i, StringComparer.Ordinal) : null;
    private readonly HashSet<string>? _exclude = settings.ExcludeQuery is { Length: > 0 } e ? new(e, StringComparer.Ordinal) : null;

    /// <summary>The key for a request; path and query come from its canonical target, as the origin URL does.</summary>
    public string Build(HttpRequest request, CanonicalTarget target)
    {
        var key = new StringBuilder("rule:");
        // The Host as sent (an IDN label stays in its ASCII form), as the proxy's own key has it.
        key.Append(request.Scheme).Append("://").Append(request.Headers.Host.ToString().ToLowerInvariant());
        var path = target.Path;
        key.Append(settings.IgnoreCase ? path.ToLowerInvariant() : path);

        // A query piece between '&'s that holds a ';' goes into the key whole, whatever the filters say: origins
        // disagree on ';' (Rails, Rack and older Java servers read it as a separator, ASP.NET Core, PHP and
        // WHATWG URLSearchParams as part of the value), and a filter may only drop what both readings call an
        // excluded parameter. Split at ';', "utm_content=x;callback=evil" would hide callback from the key of a
        // Rails origin; not split, "lang=en;utm_content=evil" would hide an origin's lang value "en;utm_content=evil"
        // behind the key of "lang=en" (parameter cloaking both ways, "Web Cache Entanglement", Kettle 2020).
        var parameters = new List<(string Name, string Value, bool Whole)>();
        if (!settings.IgnoreQuery && target.Query.Length > 1)
        {
            var plain = new StringBuilder();
            foreach (var piece in target.Query.AsSpan(1).Split('&'))
            {
                var text = target.Query.AsSpan(1)[piece];
                if (text.Contains(';'))
                {
                    parameters.Add((text.ToString(), string.Empty, true));
                }
                else if (!text.IsEmpty)
                {
                    plain.Append('&').Append(text);
                }
            }

            foreach (var (name, values) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(plain.ToString()))
            {
                if ((_include is null || _include.Contains(name)) && (_exclude is null || !_exclude.Contains(name)))
                {
                    foreach (var value in values)
                    {
                        parameters.Add((name, value ?? string.Empty, false));
                    }
                }
            }
        }

        if (settings.SortQuery)
        {
            parameters.Sort(static (a, b) =>
            {
                var byName = string.CompareOrdinal(a.Name, b.Name);
                return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
            });
        }

        var separator = '?';
        foreach (var (name, value, whole) in parameters)
        {
            // A whole piece keeps its canonical escapes and its ';', which an escaped name=value pair never
            // holds (Uri.EscapeDataString writes %3B), so the two forms cannot meet in one key.
            var pair = whole ? name : string.Concat(Uri.EscapeDataString(name), "=", Uri.EscapeDataString(value));
            key.Append(separator).Append(settings.IgnoreCase ? pair.ToLowerInvariant() : pair);
            separator = '&';
        }

        foreach (var header in settings.Headers ?? [])
        {
            key.Append("\nh:").Append(header.ToLowerInvariant()).Append('=').Append(request.Headers[header].ToString());
        }

        foreach (var cookie in settings.Cookies ?? [])
        {
            key.Append("\nc:").Append(cookie).Append('=').Append(request.Cookies[cookie]);
        }

        return key.ToString();
    }
}
