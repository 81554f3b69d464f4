using System.Diagnostics;
using System.Net;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore.Origin;

/// <summary>
/// The one HTTP client that talks to origins, for both front doors: the caching proxy's fills and passes, a
/// worker's <c>fetch</c> and the Cache API's fetch with <c>cf</c> options. Redirects are not followed (Workers'
/// manual redirect mode), bodies are streamed, nothing is decompressed behind the handler's back, and header
/// values pass byte for byte. The origin has <see cref="Timeout"/> to send its response headers.
/// </summary>
public sealed class OriginClient : IDisposable
{
    /// <summary>The default of every origin timeout setting (<see cref="EdgeCacheOptions.OriginTimeout"/>, the proxy's, the server's): 30 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The largest origin timeout a setting may give: 1 hour (a longer wait is a hung origin, not a slow one).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stopping = new();
    private readonly OriginDeadlines _deadlines;

    /// <summary>Creates the client from the host options.</summary>
    public OriginClient(IOptions<EdgeCacheOptions> options)
        : this(Check(options).Value.OriginTimeout, CreateHandler(TimeSpan.FromSeconds(10), options.Value.OriginCaFile))
    {
    }

    /// <summary>Creates a client over <paramref name="handler"/> (which it disposes).</summary>
    internal OriginClient(TimeSpan timeout, HttpMessageHandler handler)
    {
        ValidateTimeout(timeout, nameof(timeout));
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Timeout = timeout;
        _deadlines = new OriginDeadlines(timeout, _stopping.Token);
    }

    /// <summary>How long the origin may take to send response headers (up to a sixteenth more, at most a second: <see cref="OriginDeadlines"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Sends a request and returns as soon as the response headers are in; the body streams.</summary>
    /// <exception cref="TimeoutException">The origin sent no response headers within <see cref="Timeout"/>.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A fill's token cannot be cancelled: it waits on its slice's deadline alone, with nothing of its own to
        // allocate. A request with its own token links the two (no timer of its own either).
        var deadline = _deadlines.Next();
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
        using var activity = EdgeCacheTelemetry.ActivitySource.StartActivity("edgecache.origin.fetch", ActivityKind.Client);
        activity?.SetTag("url.full", request.RequestUri?.AbsoluteUri);
        var started = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            return await _invoker.SendAsync(request, linked?.Token ?? deadline).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            var thrown = Failure(request, ex, out errorType);
            if (ReferenceEquals(thrown, ex))
            {
                throw;
            }

            throw thrown;
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

    /// <summary>
    /// Starts a request for a caller that awaits the origin in a frame of its own (a cache fill: every miss), so that
    /// no frame of this client's waits on the heap too: only the deadline's token, and the bookkeeping of
    /// <see cref="SendAsync"/> done by <see cref="Answered"/> or <see cref="Failed"/>, which the caller must call.
    /// Null while an activity listener wants the fetch's span: the caller then uses <see cref="SendAsync"/>.
    /// </summary>
    internal Task<HttpResponseMessage>? TryStartFill(HttpRequestMessage request, out long started)
    {
        started = Stopwatch.GetTimestamp();
        if (EdgeCacheTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        try
        {
            return _invoker.SendAsync(request, _deadlines.Next());
        }
        catch (Exception ex)
        {
            // As from SendAsync: a failure to start is the awaited task's, and goes through Failed.
            return Task.FromException<HttpResponseMessage>(ex);
        }
    }

    /// <summary>A request of <see cref="TryStartFill"/> was answered.</summary>
    internal static void Answered(long started) => EdgeCacheTelemetry.RecordOrigin(Stopwatch.GetElapsedTime(started), null);

    /// <summary>A request of <see cref="TryStartFill"/> failed: recorded as <see cref="SendAsync"/> does; returns what it would have thrown.</summary>
    internal Exception Failed(HttpRequestMessage request, long started, Exception ex)
    {
        string? errorType = null;
        var thrown = _stopping.IsCancellationRequested ? ex : Failure(request, ex, out errorType);
        EdgeCacheTelemetry.RecordOrigin(Stopwatch.GetElapsedTime(started), errorType);
        return thrown;
    }

    // How an origin failure (not a caller that went away) is recorded, and what the caller sees: past the deadline, a timeout.
    private Exception Failure(HttpRequestMessage request, Exception ex, out string errorType)
    {
        if (ex is OperationCanceledException)
        {
            errorType = "timeout";
            return new TimeoutException($"The origin did not answer {request.RequestUri} within {Timeout.TotalSeconds:0.###} s.", ex);
        }

        errorType = ex is HttpRequestException http ? http.HttpRequestError.ToString() : ex.GetType().Name;
        return ex;
    }

    /// <summary>Cancels what is in flight and closes the connections.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _invoker.Dispose();
        _deadlines.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Throws unless <paramref name="timeout"/> is more than zero and at most <see cref="MaxTimeout"/>.</summary>
    internal static void ValidateTimeout(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            throw new ArgumentOutOfRangeException(name, timeout, $"{name} must be more than zero and at most {MaxTimeout}.");
        }
    }

    /// <summary>The handler every origin connection goes through.</summary>
    internal static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, string? caFile)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = connectTimeout,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            ActivityHeadersPropagator = null,

            // HttpClient refuses anything but ASCII in header values by default. The edgecache server reads
            // request headers as Latin-1 (one char per byte), so Latin-1 here sends them to the origin byte
            // for byte, and origin headers come back the same way, instead of failing the request.
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
            ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
        };
        if (caFile is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = OriginCertificateValidation.TrustingAlso(caFile);
        }

        return handler;
    }

    private static IOptions<EdgeCacheOptions> Check(IOptions<EdgeCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options;
    }
}
