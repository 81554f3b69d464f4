using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Testing;

/// <summary>
/// A real origin server on 127.0.0.1 (Kestrel, port 0). Each path answers with what
/// <see cref="Route"/> says; every request is counted and recorded.
/// Paths without a route answer 200 with <c>Cache-Control: public, max-age=60</c> and a body
/// naming the path and its hit count (<c>/a v1</c>, <c>/a v2</c>, ...).
/// </summary>
public sealed class TestOrigin : IAsyncDisposable
{
    private static readonly Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider ContentTypes = new();

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, int, Task>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);

    private int _stopped;

    private TestOrigin(WebApplication app) => _app = app;

    /// <summary>The origin's base URL, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>When set, the origin's Date header comes from this clock (so a proxy under a fake clock agrees with it).</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Starts the origin; with a certificate it speaks HTTPS.</summary>
    public static async Task<TestOrigin> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseUrls(certificate is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            if (certificate is not null)
            {
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            }
        });
        var app = builder.Build();
        var origin = new TestOrigin(app);
        app.Run(origin.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        origin.BaseUri = new Uri(address);
        return origin;
    }

    /// <summary>Sets how a path (without query) answers; the int is that path's hit count, from 1.</summary>
    public void Route(string path, Func<HttpContext, int, Task> handler) => _routes[path] = handler;

    /// <summary>
    /// A path that answers 200 with <c>max-age=60</c> and a declared length, sends <paramref name="first"/> at once and
    /// <paramref name="second"/> only after <paramref name="release"/> completes (at most 10 s): a body the proxy is
    /// still receiving while the test looks.
    /// </summary>
    public void HeldHalfway(string path, string first, string second, Task release)
        => Route(path, async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.ContentLength = first.Length + second.Length;
            await ctx.Response.WriteAsync(first);
            await ctx.Response.Body.FlushAsync();
            await release.WaitAsync(TimeSpan.FromSeconds(10));
            await ctx.Response.WriteAsync(second);
        });

    /// <summary>A path that answers 200 with a fixed body and the given headers.</summary>
    public void Fixed(string path, string body, params (string Name, string Value)[] headers)
        => Route(path, async (ctx, _) =>
        {
            foreach (var (name, value) in headers)
            {
                ctx.Response.Headers.Append(name, value);
            }

            await ctx.Response.WriteAsync(body);
        });

    /// <summary>How many requests a path (without query) has had.</summary>
    public int Hits(string path) => _hits.TryGetValue(path, out var n) ? n : 0;

    /// <summary>All requests received.</summary>
    public int TotalHits => Requests.Count;

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>Stops listening: from now on connections to <see cref="BaseUri"/> are refused.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var hit = _hits.AddOrUpdate(path, 1, static (_, n) => n + 1);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new RecordedRequest(context.Request.Method, path + context.Request.QueryString, headers));
        context.Response.Headers["X-Origin-Hit"] = hit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Clock is not null)
        {
            context.Response.Headers.Date = Clock.GetUtcNow().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (_routes.TryGetValue(path, out var handler))
        {
            await handler(context, hit);
            return;
        }

        // The type a static file server gives the path's extension (text/plain when it has none), as real origins do.
        context.Response.ContentType = ContentTypes.TryGetContentType(path, out var type) ? type : "text/plain";
        context.Response.Headers.CacheControl = "public, max-age=60";
        await context.Response.WriteAsync($"{path} v{hit}");
    }
}

/// <summary>One request the origin received.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);
