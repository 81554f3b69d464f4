using System.Net.Http.Headers;

namespace EdgeCache.Http;

/// <summary>Reads header values of <see cref="HttpRequestMessage"/> / <see cref="HttpResponseMessage"/> raw, as received.</summary>
public static class HttpMessageHeaders
{
    /// <summary>All raw values of a header from the message headers and the content headers; null if absent.</summary>
    public static IEnumerable<string>? Values(HttpHeaders headers, HttpContent? content, string name)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            return values;
        }

        if (content is not null && content.Headers.NonValidated.TryGetValues(name, out var contentValues))
        {
            return contentValues;
        }

        return null;
    }

    /// <summary>The raw values joined with ", ", or null if absent.</summary>
    public static string? Joined(HttpHeaders headers, HttpContent? content, string name)
    {
        var values = Values(headers, content, name);
        return values is null ? null : string.Join(", ", values);
    }

    /// <summary>Every header of a response (message then content headers), raw.</summary>
    public static IEnumerable<KeyValuePair<string, HeaderStringValues>> All(HttpResponseMessage response)
    {
        foreach (var header in response.Headers.NonValidated)
        {
            yield return header;
        }

        if (response.Content is not null)
        {
            foreach (var header in response.Content.Headers.NonValidated)
            {
                yield return header;
            }
        }
    }

    /// <summary>Adds a header where it belongs: content headers on the content, the rest on the message.</summary>
    public static void Add(HttpResponseMessage response, string name, string value)
    {
        if (IsContentHeader(name))
        {
            response.Content ??= new ByteArrayContent([]);
            response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        else
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>Copies every header, raw.</summary>
    public static void CopyTo(HttpHeaders from, HttpHeaders to)
    {
        foreach (var header in from.NonValidated)
        {
            foreach (var value in header.Value)
            {
                to.TryAddWithoutValidation(header.Key, value);
            }
        }
    }

    /// <summary>True when a field belongs on <see cref="System.Net.Http.HttpContent"/> rather than on the message (<c>Content-*</c>, <c>Expires</c>, <c>Last-Modified</c>, <c>Allow</c>).</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);
}
