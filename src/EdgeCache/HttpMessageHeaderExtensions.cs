using EdgeCache.Http;

namespace EdgeCache;

/// <summary>
/// JavaScript's <c>headers.get / set / append / delete / has</c> on one message: .NET splits headers
/// between <see cref="HttpRequestMessage.Headers"/> / <see cref="HttpResponseMessage.Headers"/> and
/// <see cref="HttpContent.Headers"/> (<c>Content-*</c>, <c>Expires</c>, <c>Last-Modified</c>, <c>Allow</c>);
/// these helpers look in both and put a header where it belongs. Values are taken and given raw (no
/// parsing); names are case-insensitive. Setting a content header on a message without content gives it an
/// empty body. An invalid header name throws <see cref="ArgumentException"/> (JavaScript's <c>TypeError</c>).
/// </summary>
public static class HttpMessageHeaderExtensions
{
    /// <summary><c>headers.get(name)</c>: every value joined with ", ", or null when absent.</summary>
    public static string? GetHeader(this HttpResponseMessage response, string name)
    {
        ArgumentNullException.ThrowIfNull(response);
        return HttpMessageHeaders.Joined(response.Headers, response.Content, CheckName(name));
    }

    /// <summary><c>headers.get(name)</c>: every value joined with ", ", or null when absent.</summary>
    public static string? GetHeader(this HttpRequestMessage request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMessageHeaders.Joined(request.Headers, request.Content, CheckName(name));
    }

    /// <summary><c>headers.has(name)</c>.</summary>
    public static bool HasHeader(this HttpResponseMessage response, string name) => response.GetHeader(name) is not null;

    /// <summary><c>headers.has(name)</c>.</summary>
    public static bool HasHeader(this HttpRequestMessage request, string name) => request.GetHeader(name) is not null;

    /// <summary><c>headers.set(name, value)</c>: replaces every value of the header. Returns the response.</summary>
    public static HttpResponseMessage SetHeader(this HttpResponseMessage response, string name, string value)
    {
        response.RemoveHeader(name);
        return response.AppendHeader(name, value);
    }

    /// <summary><c>headers.set(name, value)</c>: replaces every value of the header. Returns the request.</summary>
    public static HttpRequestMessage SetHeader(this HttpRequestMessage request, string name, string value)
    {
        request.RemoveHeader(name);
        return request.AppendHeader(name, value);
    }

    /// <summary><c>headers.append(name, value)</c>: adds a value, keeping those already there. Returns the response.</summary>
    public static HttpResponseMessage AppendHeader(this HttpResponseMessage response, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(value);
        if (HttpMessageHeaders.IsContentHeader(CheckName(name)))
        {
            Add((response.Content ??= new ByteArrayContent([])).Headers, name, value);
        }
        else
        {
            Add(response.Headers, name, value);
        }

        return response;
    }

    /// <summary><c>headers.append(name, value)</c>: adds a value, keeping those already there. Returns the request.</summary>
    public static HttpRequestMessage AppendHeader(this HttpRequestMessage request, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(value);
        if (HttpMessageHeaders.IsContentHeader(CheckName(name)))
        {
            Add((request.Content ??= new ByteArrayContent([])).Headers, name, value);
        }
        else
        {
            Add(request.Headers, name, value);
        }

        return request;
    }

    /// <summary><c>headers.delete(name)</c>: true when the header was there. (.NET keeps a header in one of the two collections only.)</summary>
    public static bool RemoveHeader(this HttpResponseMessage response, string name)
    {
        ArgumentNullException.ThrowIfNull(response);
        return HttpMessageHeaders.IsContentHeader(CheckName(name))
            ? response.Content?.Headers.Remove(name) ?? false
            : response.Headers.Remove(name);
    }

    /// <summary><c>headers.delete(name)</c>: true when the header was there.</summary>
    public static bool RemoveHeader(this HttpRequestMessage request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMessageHeaders.IsContentHeader(CheckName(name))
            ? request.Content?.Headers.Remove(name) ?? false
            : request.Headers.Remove(name);
    }

    private static void Add(System.Net.Http.Headers.HttpHeaders headers, string name, string value)
    {
        if (!headers.TryAddWithoutValidation(name, value))
        {
            throw new ArgumentException($"'{name}' cannot be set on this message.", nameof(name));
        }
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            // RFC 9110 5.1: a field name is a token.
            if (c > 0x7E || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{name}' is not a valid header name.", nameof(name));
            }
        }

        return name;
    }
}
