using EdgeCache.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore;

/// <summary>The <see cref="IEdgeCachePurger"/> over the application's <see cref="ICacheStore"/>.</summary>
internal sealed class EdgeCachePurger(ICacheStore store, IOptions<EdgeCacheOptions> options) : IEdgeCachePurger
{
    private readonly Uri? _origin = options.Value.Origin;

    public Task<long> PurgeFilesAsync(IEnumerable<string> urls, bool soft = false, CancellationToken cancellationToken = default)
        => PurgeAsync(Items(urls, nameof(urls)).Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? new PurgeRequest(PurgeKind.Url, uri.AbsoluteUri, soft)
            : throw new ArgumentException($"'{url}' is not an absolute http(s) URL.", nameof(urls))).ToArray(), cancellationToken);

    public Task<long> PurgeTagsAsync(IEnumerable<string> tags, bool soft = false, CancellationToken cancellationToken = default)
        => PurgeAsync(Items(tags, nameof(tags)).Select(t => new PurgeRequest(PurgeKind.Tag, t.Trim(), soft)).ToArray(), cancellationToken);

    public Task<long> PurgePrefixesAsync(IEnumerable<string> prefixes, bool soft = false, CancellationToken cancellationToken = default)
        => PurgeAsync(Items(prefixes, nameof(prefixes)).Select(p => new PurgeRequest(PurgeKind.Prefix, p.Trim(), soft)).ToArray(), cancellationToken);

    public Task<long> PurgeHostsAsync(IEnumerable<string> hosts, bool soft = false, CancellationToken cancellationToken = default)
        => PurgeAsync(Items(hosts, nameof(hosts)).Select(h => new PurgeRequest(PurgeKind.Host, AsciiHost(h.Trim()), soft)).ToArray(), cancellationToken);

    /// <summary>
    /// A host as the keys hold it, lower-cased and in IDNA ASCII form (the origin's <see cref="Uri.IdnHost"/>, or the
    /// client's Host as sent, xn-- labels and all): "bücher.example" purges what "xn--bcher-kva.example" stored.
    /// </summary>
    internal static string AsciiHost(string host)
    {
        if (System.Text.Ascii.IsValid(host))
        {
            return host.ToLowerInvariant();
        }

        var colon = host.LastIndexOf(':');
        var (name, port) = colon > 0 && !host.Contains(']', StringComparison.Ordinal) ? (host[..colon], host[colon..]) : (host, string.Empty);
        try
        {
            return (new System.Globalization.IdnMapping().GetAscii(name) + port).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            // Not a name IDNA maps: matched as written, which no stored (ASCII) host is.
            return host.ToLowerInvariant();
        }
    }

    public Task<long> PurgeEverythingAsync(bool soft = false, CancellationToken cancellationToken = default)
        => PurgeAsync([PurgeRequest.Everything with { Soft = soft }], cancellationToken);

    public async Task<long> PurgeAsync(IEnumerable<PurgeRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        long purged = 0;
        PurgeIncompleteException? incomplete = null;
        var seen = new HashSet<PurgeRequest>();
        foreach (var request in requests)
        {
            foreach (var expanded in Expand(request))
            {
                if (seen.Add(expanded))
                {
                    try
                    {
                        purged += await store.PurgeAsync(expanded, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PurgeIncompleteException exception)
                    {
                        // The rest are still applied here; the caller learns that not every node follows.
                        purged += exception.Purged;
                        incomplete = exception;
                    }
                }
            }
        }

        return incomplete is null ? purged : throw new PurgeIncompleteException(incomplete.Message, incomplete) { Purged = purged };
    }

    private IEnumerable<PurgeRequest> Expand(PurgeRequest request)
    {
        switch (request.Kind)
        {
            case PurgeKind.Url:
                yield return request;
                if (OnOrigin(request.Value) is { } mapped)
                {
                    yield return request with { Value = mapped };
                }

                break;
            case PurgeKind.Prefix:
                string[] withScheme = request.Value.Contains("://", StringComparison.Ordinal)
                    ? [request.Value]
                    : ["http://" + request.Value, "https://" + request.Value];
                foreach (var prefix in withScheme)
                {
                    yield return request with { Value = prefix };
                    if (OnOrigin(prefix) is { } mappedPrefix)
                    {
                        yield return request with { Value = mappedPrefix };
                    }
                }

                break;
            default:
                yield return request;
                break;
        }
    }

    /// <summary>The URL with its path and query on the origin (as <see cref="FetchEvent.Request"/> has it), or null when it is already there.</summary>
    private string? OnOrigin(string url)
    {
        if (_origin is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var mapped = new Uri(_origin, string.Concat(_origin.AbsolutePath.TrimEnd('/'), uri.PathAndQuery)).AbsoluteUri;
        return mapped == uri.AbsoluteUri ? null : mapped;
    }

    private static IEnumerable<string> Items(IEnumerable<string> items, string name)
    {
        ArgumentNullException.ThrowIfNull(items, name);
        foreach (var item in items)
        {
            if (string.IsNullOrWhiteSpace(item))
            {
                throw new ArgumentException("Purge items must be non-empty.", name);
            }

            yield return item;
        }
    }
}
