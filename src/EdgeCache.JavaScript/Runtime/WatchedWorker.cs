using EdgeCache.AspNetCore;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// <c>--watch</c>, as <c>wrangler dev</c> does it: when a <c>.js</c> file beside the script changes, the script
/// is loaded again; once the new version has loaded, new requests go to it and requests in flight finish on
/// the old one. A version that fails to load is logged and the running one is kept. With several engines the
/// whole pool is one version: all of its engines are loaded before any of them takes a request.
/// </summary>
internal sealed partial class WatchedWorker : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(150);

    private readonly Func<IWorkerVersion> _load;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly ITimer _debounce;
    private readonly Lock _reloading = new();
    private volatile IWorkerVersion _current;
    private int _disposed;

    public WatchedWorker(string scriptPath, Func<IWorkerVersion> load, ILoggerFactory loggers, TimeProvider time)
    {
        _load = load;
        _logger = loggers.CreateLogger("EdgeCache.JavaScript");
        _current = load();
        _debounce = time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var full = Path.GetFullPath(scriptPath);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, "*.js")
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = true,
        };

        // Editors save in bursts (truncate, write, rename): wait for the burst to settle, then load once.
        FileSystemEventHandler changed = (_, _) => _debounce.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Renamed += (_, _) => _debounce.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    public async Task<HttpResponseMessage> HandleAsync(FetchEvent fetchEvent)
    {
        var version = _current;
        try
        {
            return await version.HandleAsync(fetchEvent).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (_current != version)
        {
            // It read the version that was just replaced and has now gone: the new one takes the request.
            return await _current.HandleAsync(fetchEvent).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watcher.Dispose();
        _debounce.Dispose();
        lock (_reloading)
        {
            _current.Dispose();
        }
    }

    private void Reload()
    {
        lock (_reloading)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            IWorkerVersion next;
            try
            {
                next = _load();
            }
            catch (JavaScriptWorkerLoadException ex)
            {
                LogReloadFailed(_logger, ex.Message);
                return;
            }

            var previous = _current;
            _current = next;
            previous.Replace();
            LogReloaded(_logger);
        }
    }

    [LoggerMessage(EventId = 606, Level = LogLevel.Information, Message = "The worker script changed: new requests run the new version")]
    private static partial void LogReloaded(ILogger logger);

    [LoggerMessage(EventId = 607, Level = LogLevel.Error, Message = "The changed worker script did not load; still running the previous version: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, string error);
}
