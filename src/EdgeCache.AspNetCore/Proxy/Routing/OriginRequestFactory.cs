using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Builds the request the proxy sends to the origin: hop-by-hop fields removed, <c>Via</c> and
/// <c>X-Forwarded-For</c> / <c>-Proto</c> set, and request fields that are not part of the cache key
/// but could change the origin's answer (cache poisoning vectors) dropped unless allowed.
/// </summary>
internal sealed class OriginRequestFactory
{
    /// <summary>
    /// Fields that rewrite the URL, host, scheme or method an origin framework sees (the unkeyed inputs of
    /// "Practical Web Cache Poisoning", Kettle 2018, and the CPDoS method override): none is part of the
    /// cache key, so one client's value would shape the response every client gets.
    /// </summary>
    internal static readonly string[] UnkeyedHeaders =
    [
        // Host and port.
        "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port", "X-Original-Host", "X-Host", "X-HTTP-Host-Override", "Forwarded",
        // Scheme: frameworks build absolute links and redirects from these.
        "X-Forwarded-Scheme", "X-Forwarded-Ssl", "Front-End-Https", "X-Url-Scheme", "X-Forwarded-Protocol",
        // Path and URL rewrites.
        "X-Forwarded-Prefix", "X-Forwarded-Path", "X-Original-URL", "X-Rewrite-URL", "X-Original-URI", "X-Forwarded-Uri", "X-Envoy-Original-Path",
        // Method override.
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-Method",
        // The client's address as another proxy would vouch for it: sent by the client itself, it claims any address to an
        // origin that trusts it (an allow-list of 127.0.0.1, a country, a rate limit), and what the origin answers from it is
        // stored for everyone. The proxy's own account is X-Forwarded-For, appended with the connection's address.
        "X-Real-IP", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "X-Originating-IP", "Client-IP",
    ];

    private static readonly string[] ConditionalHeaders = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"];

    private readonly HashSet<string> _dropped;
    private readonly HashSet<string> _allowed;
    private readonly HashSet<string>? _onlyForwarded;
    private readonly string _via10;
    private readonly string _via11;
    private readonly string _via2;
    private readonly string _via3;

    public OriginRequestFactory(CachingProxyOptions options)
    {
        _dropped = new HashSet<string>(UnkeyedHeaders, StringComparer.OrdinalIgnoreCase);
        _allowed = new HashSet<string>(options.AllowedUnkeyedHeaders, StringComparer.OrdinalIgnoreCase);
        foreach (var allowed in options.AllowedUnkeyedHeaders)
        {
            _dropped.Remove(allowed);
        }

        if (options.ForwardedRequestHeaders is { } only)
        {
            _onlyForwarded = new HashSet<string>(only, StringComparer.OrdinalIgnoreCase);
        }

        // Set by the proxy itself, never copied from the client.
        _dropped.Add("X-Forwarded-Proto");
        _dropped.Add("Expect");
        _dropped.Add("Host");
        // This hop's Via member per protocol, made once instead of per request.
        var name = options.CacheName.ToLowerInvariant();
        (_via10, _via11, _via2, _via3) = ("1.0 " + name, "1.1 " + name, "2 " + name, "3 " + name);
    }

    /// <summary>How a request is adapted before it goes to the origin.</summary>
    [Flags]
    public enum Adapt
    {
        /// <summary>Forward as the client sent it (method and body included).</summary>
        None = 0,

        /// <summary>A GET for the full object: no body, no client preconditions, no Range (a cacheable fetch).</summary>
        CacheFill = 1,

        /// <summary>With <see cref="CacheFill"/>: a HEAD instead of the GET (a revalidation without a body, RFC 9111 section 4.3.5).</summary>
        Head = 2,
    }

    /// <summary>Creates the origin request; the body (unless <see cref="Adapt.CacheFill"/>) streams from the client.</summary>
    public HttpRequestMessage Create(HttpContext context, ProxyTarget target, Adapt adapt)
    {
        var request = context.Request;
        var fill = (adapt & Adapt.CacheFill) != 0;
        var method = fill ? ((adapt & Adapt.Head) != 0 ? HttpMethod.Head : HttpMethod.Get) : new HttpMethod(request.Method);
        var message = new HttpRequestMessage(method, target.OriginUri);
        if (!fill && HasBody(request))
        {
            message.Content = new StreamContent(new ClientBodyStream(request.Body));

            // A known length goes on as Content-Length, not re-chunked: many origins (uploads, S3-style
            // APIs, older frameworks) need it. Chunked only when the client sent chunked.
            if (request.ContentLength is { } length && request.Headers.TransferEncoding.Count == 0)
            {
                message.Content.Headers.ContentLength = length;
            }
        }

        var skip = HopByHopHeaders.For(request.Headers.Connection);
        var nominated = Bridge.ConnectionNominatedFields.For(context);
        foreach (var (name, values) in request.Headers)
        {
            // A name with '_' never goes on: CGI, WSGI and PHP servers read it as '-' (X_Forwarded_Host is
            // X-Forwarded-Host to them), so it would slip past every name on the deny list.
            if (name.StartsWith(':') || skip.Contains(name) || _dropped.Contains(name) || (name.Contains('_') && !_allowed.Contains(name))
                || (nominated is not null && nominated.Contains(name))
                || (fill && (IsConditional(name) || name.Equals("Range", StringComparison.OrdinalIgnoreCase)))
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.Equals("Via", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase))
            {
                continue; // extended below
            }

            if (_onlyForwarded is not null && !_onlyForwarded.Contains(name) && !HttpMessageHeaders.IsContentHeader(name))
            {
                continue; // allow-list mode: only the named fields (and the body's own) reach the origin
            }

            if (HttpMessageHeaders.IsContentHeader(name))
            {
                if (message.Content is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (target.HostHeader is { } host)
        {
            message.Headers.Host = host;
        }

        var member = request.Protocol switch
        {
            "HTTP/1.0" => _via10,
            "HTTP/2" => _via2,
            "HTTP/3" => _via3,
            _ => _via11,
        };
        var via = request.Headers.Via;
        message.Headers.TryAddWithoutValidation("Via", via.Count > 0 ? $"{via}, {member}" : member);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var forwardedFor = request.Headers["X-Forwarded-For"];
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Count > 0 ? $"{forwardedFor}, {client}" : client);
        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        return message;
    }

    /// <summary>Adds this cache's validators to a revalidation request (RFC 9111 section 4.3.1).</summary>
    public static void AddValidators(HttpRequestMessage message, string? etag, string? lastModified)
    {
        foreach (var name in ConditionalHeaders)
        {
            message.Headers.Remove(name);
        }

        if (etag is not null)
        {
            message.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        if (lastModified is not null)
        {
            message.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }
    }

    private static bool IsConditional(string name)
    {
        foreach (var conditional in ConditionalHeaders)
        {
            if (conditional.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasBody(HttpRequest request)
        => request.ContentLength > 0
            || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0)
            || (request.ContentLength is null && request.Protocol is not ("HTTP/1.1" or "HTTP/1.0")
                && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method));
}
