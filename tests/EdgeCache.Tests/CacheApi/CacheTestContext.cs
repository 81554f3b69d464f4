using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.CacheApi;

/// <summary>A <see cref="CacheStorage"/> over a memory store and a fake clock.</summary>
internal sealed class CacheTestContext
{
    public CacheTestContext(CacheOptions? options = null, MemoryStoreOptions? storeOptions = null, Microsoft.Extensions.Logging.ILogger<CacheStorage>? logger = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        Store = new MemoryStore(storeOptions, Time);
        Caches = new CacheStorage(Store, options, Time, logger);
    }

    public FakeTimeProvider Time { get; }

    public MemoryStore Store { get; }

    public CacheStorage Caches { get; }

    public Cache Default => Caches.Default;

    public static HttpResponseMessage Response(string body, string? cacheControl = "s-maxage=10", int status = 200, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)status) { Content = new StringContent(body) };
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    public static HttpRequestMessage Get(string url, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
