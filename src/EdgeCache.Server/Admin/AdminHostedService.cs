using EdgeCache.AspNetCore.Admin;
using EdgeCache.Diagnostics;
using EdgeCache.Server.Settings;
using Microsoft.AspNetCore.Hosting.Server;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeCache.Server.Admin;

/// <summary>
/// Runs the admin listener (<c>--admin-listen</c>) as its own small Kestrel application beside the
/// public one, sharing the main application's store and settings, so admin routes can never be
/// reached through the public listener.
/// </summary>
internal sealed class AdminHostedService(IServiceProvider services, ServerSettings settings) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses the admin listener is bound to (port 0 resolved); empty when disabled.</summary>
    public IReadOnlyCollection<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.AdminListenUri is not { } listen)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen.ToString());
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var otel = builder.Services.AddOpenTelemetry().WithMetrics(m =>
        {
            m.AddMeter(EdgeCacheTelemetry.Name).AddPrometheusExporter();
            if (settings.OtlpEndpointUri is { } otlp)
            {
                m.AddOtlpExporter(o => o.Endpoint = otlp);
            }
        });
        if (settings.OtlpEndpointUri is { } traces)
        {
            otel.WithTracing(t => t.AddSource(EdgeCacheTelemetry.Name).AddOtlpExporter(o => o.Endpoint = traces));
        }

        var app = builder.Build();
        var authorization = new AdminAuthorization(settings.AdminToken);
        app.Use(async (context, next) =>
        {
            // /metrics needs the token when one is configured; the health checks never do.
            if (context.Request.Path.StartsWithSegments("/metrics") && !authorization.IsAllowed(context))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        AdminEndpoints.Map(app, services);
        services.GetRequiredService<Status.StatusReporter>().Start();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}
