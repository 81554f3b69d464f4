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
        key.Append(request.Scheme).Append("://").Append(request.Host.Value?.ToLowerInvariant());
        var path = target.Path;
        key.Append(settings.IgnoreCase ? path.ToLowerInvariant() : path);

        // ';' separates parameters too, as Rails, Rack and older Java servers read a query: an excluded
        // "utm_content=x;callback=evil" must not hide "callback" from the key (parameter cloaking,
        // "Web Cache Entanglement", Kettle 2020).
        var query = settings.IgnoreQuery || target.Query.Length == 0 ? null : Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(target.Query.Replace(';', '&'));
        if (query is { Count: > 0 })
        {
            var parameters = new List<KeyValuePair<string, string>>();
            foreach (var (name, values) in query)
            {
                if ((_include is null || _include.Contains(name)) && (_exclude is null || !_exclude.Contains(name)))
                {
                    foreach (var value in values)
                    {
                        parameters.Add(new(name, value ?? string.Empty));
                    }
                }
            }

            if (settings.SortQuery)
            {
                parameters.Sort(static (a, b) =>
                {
                    var byName = string.CompareOrdinal(a.Key, b.Key);
                    return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
                });
            }

            var separator = '?';
            foreach (var (name, value) in parameters)
            {
                var pair = string.Concat(Uri.EscapeDataString(name), "=", Uri.EscapeDataString(value));
                key.Append(separator).Append(settings.IgnoreCase ? pair.ToLowerInvariant() : pair);
                separator = '&';
            }
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
