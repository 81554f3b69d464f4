using EdgeCache.Server.Settings;
using EdgeCache.Storage;

namespace EdgeCache.Server.Admin;

/// <summary>
/// Runs purges against the store. Entries are keyed by the origin URL, while operators name the
/// public URL: a URL, prefix or host given with the public listener's authority is also applied
/// with the origin's. Prefixes without a scheme (Cloudflare's form, <c>example.com/blog</c>) are
/// applied for both http and https.
/// </summary>
internal sealed class PurgeExecutor(ICacheStore store, ServerSettings settings)
{
    public async Task<long> ExecuteAsync(IReadOnlyList<PurgeRequest> requests, CancellationToken cancellationToken)
    {
        long purged = 0;
        foreach (var request in requests)
        {
            foreach (var expanded in Expand(request))
            {
                purged += await store.PurgeAsync(expanded, cancellationToken).ConfigureAwait(false);
            }
        }

        return purged;
    }

    internal IEnumerable<PurgeRequest> Expand(PurgeRequest request)
    {
        switch (request.Kind)
        {
            case PurgeKind.Url:
                yield return request;
                if (MapOntoOrigin(request.Value) is { } mapped && mapped != request.Value)
                {
                    yield return request with { Value = mapped };
                }

                break;
            case PurgeKind.Prefix:
                var withScheme = request.Value.Contains("://", StringComparison.Ordinal)
                    ? [request.Value]
                    : new[] { "http://" + request.Value, "https://" + request.Value };
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var prefix in withScheme)
                {
                    if (seen.Add(prefix))
                    {
                        yield return request with { Value = prefix };
                    }

                    if (MapOntoOrigin(prefix) is { } mappedPrefix && seen.Add(mappedPrefix))
                    {
                        yield return request with { Value = mappedPrefix };
                    }
                }

                break;
            case PurgeKind.Host:
                yield return request;
                if (settings.ListenUri is { } listen && string.Equals(request.Value, listen.Host, StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(listen.Host, settings.OriginUri.Host, StringComparison.OrdinalIgnoreCase))
                {
                    yield return request with { Value = settings.OriginUri.Host.ToLowerInvariant() };
                }

                break;
            default:
                yield return request;
                break;
        }
    }

    /// <summary>The same URL on the origin, when it names the public listener; otherwise null.</summary>
    private string? MapOntoOrigin(string url)
    {
        if (settings.ListenUri is not { } listen
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Host, listen.Host, StringComparison.OrdinalIgnoreCase)
            || (uri.Port != listen.Port && listen.Port != 0))
        {
            return null;
        }

        var origin = settings.OriginUri;
        return new UriBuilder(uri) { Scheme = origin.Scheme, Host = origin.Host, Port = origin.Port }.Uri.AbsoluteUri;
    }
}
