using System.Diagnostics;
using System.Net;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore.Origin;

/// <summary>
/// The one pooled HTTP client that talks to origins: redirects are not followed (Workers' manual
/// redirect mode), bodies are streamed, nothing is decompressed behind the handler's back.
/// </summary>
public sealed class OriginClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    /// <summary>Creates the client from the host options.</summary>
    public OriginClient(IOptions<EdgeCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            ActivityHeadersPropagator = null,

            // HttpClient refuses anything but ASCII in header values by default. The edgecache server reads
            // request headers as Latin-1 (one char per byte), so Latin-1 here sends them to the origin byte
            // for byte, and origin headers come back the same way, instead of failing the request.
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
            ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
        };
        if (options.Value.OriginCaFile is { } caFile)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = OriginCertificateValidation.TrustingAlso(caFile);
        }

        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Timeout = options.Value.OriginTimeout;
    }

    /// <summary>How long the origin may take to send response headers.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Sends a request and returns as soon as the response headers are in; the body streams.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var activity = EdgeCacheTelemetry.ActivitySource.StartActivity("edgecache.origin.fetch", ActivityKind.Client);
        activity?.SetTag("url.full", request.RequestUri?.AbsoluteUri);
        var started = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            return await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            errorType = "timeout";
            throw new TimeoutException($"The origin did not answer {request.RequestUri} within {Timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A client that went away is not an origin failure; anything else is, by kind.
            errorType = ex is HttpRequestException http ? http.HttpRequestError.ToString() : ex.GetType().Name;
            throw;
        }
        finally
        {
            EdgeCacheTelemetry.RecordOrigin(Stopwatch.GetElapsedTime(started), errorType);
            if (errorType is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, errorType);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();
}
