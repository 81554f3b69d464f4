using EdgeCache.Http;

namespace EdgeCache;

/// <summary>Workers-style helpers on <see cref="HttpResponseMessage"/>.</summary>
public static class HttpResponseMessageExtensions
{
    /// <summary>
    /// Cloudflare's <c>response.clone()</c>: returns a copy with the same status and headers whose body
    /// is a tee of this response's body. Both this response and the copy then read the whole body, read
    /// from its source once; neither side buffers it whole (a side that runs more than 4 MB ahead waits
    /// for the other). Dispose a copy you do not read, so the other side is not held back.
    /// </summary>
    public static HttpResponseMessage Clone(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var clone = new HttpResponseMessage(response.StatusCode)
        {
            Version = response.Version,
            ReasonPhrase = response.ReasonPhrase,
            RequestMessage = response.RequestMessage,
        };

        foreach (var header in response.Headers.NonValidated)
        {
            foreach (var value in header.Value)
            {
                clone.Headers.TryAddWithoutValidation(header.Key, value);
            }
        }

        var shared = new TeeContent.SharedTee(response.Content);
        response.Content = new TeeContent(shared, 0);
        clone.Content = new TeeContent(shared, 1);
        return clone;
    }
}
