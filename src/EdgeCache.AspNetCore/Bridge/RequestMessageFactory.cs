using EdgeCache.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeCache.AspNetCore.Bridge;

/// <summary>Builds the <see cref="HttpRequestMessage"/> a worker sees from Kestrel's request.</summary>
internal static class RequestMessageFactory
{
    /// <summary>
    /// The incoming request with its path and query mapped onto <paramref name="origin"/> (as
    /// Cloudflare's local simulator maps requests onto its upstream). Hop-by-hop fields and
    /// <c>Host</c> are dropped; the body streams from Kestrel.
    /// </summary>
    public static HttpRequestMessage Create(HttpContext context, Uri origin)
    {
        var request = context.Request;
        // The canonical target (decoded at most once, as the proxy's key and origin URL are), never
        // Kestrel's decoded Path fed to Uri for a second decoding.
        var target = CanonicalTarget.For(context);
        var pathAndQuery = target is null ? "/" : string.Concat(target.Path, target.Query);
        // Concatenated, never resolved as a reference: "//other.host/x" must stay a path on the origin.
        var url = new Uri(string.Concat(origin.GetLeftPart(UriPartial.Authority), origin.AbsolutePath.TrimEnd('/'), pathAndQuery), UriKind.Absolute);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), url);

        if (HasBody(request))
        {
            message.Content = new StreamContent(request.Body);
        }
        else if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
        {
            // An empty POST still has a body, of zero bytes: a worker can read it like any other, and the
            // origin gets Content-Length: 0 (and the Content-Type) as the client sent them.
            message.Content = new ByteArrayContent([]);
        }

        var skip = HopByHopHeaders.For(request.Headers.Connection);
        foreach (var (name, values) in request.Headers)
        {
            if (skip.Contains(name) || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(':'))
            {
                continue;
            }

            if (HttpMessageHeaders.IsContentHeader(name))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return message;
    }

    /// <summary>The absolute URL the client asked for (for logs).</summary>
    public static string DisplayUrl(HttpContext context) => context.Request.GetDisplayUrl();

    private static bool HasBody(HttpRequest request)
        => request.ContentLength > 0
            || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0)
            || (request.ContentLength is null && request.HttpContext.Request.Protocol != "HTTP/1.1" && request.HttpContext.Request.Protocol != "HTTP/1.0" && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method));
}
