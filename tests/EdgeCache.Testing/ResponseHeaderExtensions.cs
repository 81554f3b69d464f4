namespace EdgeCache.Testing;

/// <summary>Response header helpers for the tests.</summary>
public static class ResponseHeaderExtensions
{
    /// <summary>A field's values joined as one line, from the response's or its content's headers; null when absent.</summary>
    public static string? Header(this HttpResponseMessage response, string name)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
            : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content) : null;
    }

    public static string CacheStatus(this HttpResponseMessage response) => response.Header("Cache-Status") ?? string.Empty;

    public static string CfStatus(this HttpResponseMessage response) => response.Header("cf-cache-status") ?? string.Empty;
}
