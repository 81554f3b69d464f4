using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Testing;

/// <summary>
/// What every proxy test harness shares, whichever way it builds the proxy (the server's host, or the library's
/// <c>MapCachingProxy</c>): a running app in front of a real <see cref="TestOrigin"/>, a fake clock for
/// freshness, and a client that talks to the proxy, with the request helpers the tests use.
/// </summary>
public abstract class ProxyHarnessBase : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>Takes ownership of the started app, its origin and its client.</summary>
    protected ProxyHarnessBase(WebApplication app, TestOrigin origin, FakeTimeProvider time, HttpClient client)
    {
        _app = app;
        Origin = origin;
        Time = time;
        Client = client;
    }

    public TestOrigin Origin { get; }

    /// <summary>The application's services (the store, the Cache API).</summary>
    public IServiceProvider Services => _app.Services;

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public Uri BaseUri => Client.BaseAddress!;

    /// <summary>A fake clock at a whole second of now, so an origin's Date (second precision) adds no fractional age.</summary>
    protected static FakeTimeProvider WholeSecondClock()
    {
        var now = TimeProvider.System.GetUtcNow();
        return new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
    }

    /// <summary>A client for the proxy that changes nothing on the way: no redirects, decompression, cookies or proxy.</summary>
    protected static HttpClient ClientFor(string address) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        MaxConnectionsPerServer = 2000,
    })
    {
        BaseAddress = new Uri(address),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Sends raw request bytes over a new connection and returns the response head and body as text.</summary>
    public async Task<string> RawAsync(string requestText)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(BaseUri.Host, BaseUri.Port).ConfigureAwait(false);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(requestText)).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>Sends a GET with extra request headers.</summary>
    public Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers)
        => SendAsync(HttpMethod.Get, path, headers);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>GET and read the body as text.</summary>
    public async Task<(HttpResponseMessage Response, string Body)> GetTextAsync(string path, params (string Name, string Value)[] headers)
    {
        var response = await GetAsync(path, headers).ConfigureAwait(false);
        return (response, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    /// <summary>
    /// Advances the proxy's clock without waiting (the origin's Date comes from the real clock; routes can set Date
    /// from <see cref="Time"/>). For tests that move the clock while a fill or a revalidation is deliberately held;
    /// the others use <see cref="AdvanceAsync"/>.
    /// </summary>
    public void Advance(TimeSpan by) => Time.Advance(by);

    /// <summary>
    /// Waits until the proxy's tracked work (fills and their store commits, background revalidations) has
    /// finished, then advances the clock. A request sent after a fill's body has reached the client but before the
    /// store has committed it finds no stored entry; if the clock has moved past its freshness it makes its own
    /// fetch, not the conditional one or the stale answer the test expects. Draining first closes that window.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        await DrainAsync().ConfigureAwait(false);
        Time.Advance(by);
    }

    /// <summary>Waits (bounded) until the work the proxy tracks (fills and their store writes) has finished.</summary>
    public abstract Task DrainAsync();

    /// <summary>An HTTP-date for the fake clock, plus an offset.</summary>
    public string HttpDateAt(TimeSpan offset = default) => (Time.GetUtcNow() + offset).ToString("r");

    /// <summary>Waits (bounded) until a condition holds, e.g. a background revalidation reached the origin.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var waited = 0;
        while (!condition() && waited < timeoutMs)
        {
            await Task.Delay(20).ConfigureAwait(false);
            waited += 20;
        }

        if (!condition())
        {
            throw new TimeoutException("the condition did not hold in time");
        }
    }

    /// <summary>Polls (bounded) until an asynchronous condition holds; returns its last result.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, int timeoutMs = 5000)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var waited = 0;
        var result = await probe().ConfigureAwait(false);
        while (!done(result) && waited < timeoutMs)
        {
            await Task.Delay(20).ConfigureAwait(false);
            waited += 20;
            result = await probe().ConfigureAwait(false);
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Origin.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
