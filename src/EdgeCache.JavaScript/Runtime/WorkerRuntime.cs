using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using EdgeCache.AspNetCore;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// One worker script on one Jint engine and its event loop. Module-level state lives as long as the runtime,
/// as it does in a Workers isolate; many requests are in flight at once, their JavaScript interleaved at
/// awaits. The per-request path drives Jint's job queue directly: a request is one posted turn, each I/O
/// completion another (no generic task-to-promise bridge).
/// </summary>
internal sealed partial class WorkerRuntime : IWorkerVersion
{
    private static readonly string[] PreludeFiles = ["web.js", "vendor.js", "url.js", "form.js", "fetch.js"];
    private static readonly Lazy<Prepared<Acornima.Ast.Script>[]> Prelude = new(LoadPrelude);

    // The strings new Request() parsed lately, as url.js's own cache of them: at most 512, of 2 KB each.
    private const int RememberedUrls = 512;
    private const int MaxRememberedUrlLength = 2048;

    private readonly WorkerScript _script;
    private readonly JavaScriptWorkerOptions _options;
    private readonly CacheStorage _caches;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConsoleLog _console;
    private readonly EventLoop _loop;
    private readonly CpuLimit _cpu;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<int, RequestState> _requests = [];
    private readonly Dictionary<int, (TaskCompletionSource Done, RequestState Owner, ITimer Expiry)> _waits = [];
    private readonly Dictionary<int, (ITimer Timer, long Due, RequestState? Owner)> _timers = [];
    private readonly ConditionalWeakTable<ObjectInstance, Exception> _hostErrors = [];
    private readonly Dictionary<int, TaskCompletionSource<byte[]?>> _chunkReads = [];
    private readonly Dictionary<string, JsValue> _parsedUrls = new(StringComparer.Ordinal);
    private Engine _engine = null!;
    private JsValue _dispatch = null!;
    private JsValue _fireTimer = null!;
    private JsValue _readChunk = null!;
    private JsValue _promiseConstructor = null!;
    private JsValue _promiseResolve = null!;
    private JsValue _promiseReject = null!;
    private JsValue _promiseThen = null!;
    private ObjectInstance? _headersPrototype;
    private RequestState? _current;
    private int _nextRequest;
    private int _nextWait;
    private int _nextChunk;
    private int _disposed;

    private WorkerRuntime(WorkerScript script, JavaScriptWorkerOptions options, CacheStorage caches, ILoggerFactory loggers, TimeProvider time)
    {
        _script = script;
        _options = options;
        _caches = caches;
        _time = time;
        _logger = loggers.CreateLogger("EdgeCache.JavaScript");
        _console = new ConsoleLog(loggers.CreateLogger("EdgeCache.JavaScript.Console"));
        _cpu = new CpuLimit(options.CpuLimit, options.MemoryLimit);
        _loop = new EventLoop("edgecache-js " + Path.GetFileName(script.FilePath), ex => Log.LoopFailed(_logger, ex), _console.OnIdle);
    }

    /// <summary>Loads the script and runs its top-level code; returns once the worker is ready.</summary>
    /// <exception cref="JavaScriptWorkerLoadException">The script does not parse, throws at load, or has no fetch handler.</exception>
    public static WorkerRuntime Start(string scriptPath, JavaScriptWorkerOptions options, CacheStorage caches, ILoggerFactory loggers, TimeProvider time)
    {
        var started = Stopwatch.GetTimestamp();
        var script = WorkerScript.Load(scriptPath);
        var runtime = new WorkerRuntime(script, options, caches, loggers, time);
        try
        {
            runtime._loop.InvokeAsync(runtime.Initialize).GetAwaiter().GetResult();
        }
        catch
        {
            runtime.Dispose();
            throw;
        }

        Log.Loaded(runtime._logger, script.FilePath, script.IsModule ? "ES module" : "service worker", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return runtime;
    }

    /// <summary>Handles one request: the script's response, or the origin's when it calls no respondWith.</summary>
    public Task<HttpResponseMessage> HandleAsync(FetchEvent fetchEvent)
    {
        // Static delegates with the request's state: no closure, delegate or boxed tuple per request.
        var state = new RequestState(fetchEvent, this);
        fetchEvent.HttpContext.Response.OnCompleted(
            static s =>
            {
                // Bookkeeping only (the request is forgotten, its unused bodies released): posted without waking
                // the loop, which had often just gone to sleep after the request's turn (a futex wake-up and a
                // context switch per request).
                var request = (RequestState)s;
                request.Runtime._loop.PostLazy(static r => ((RequestState)r).Runtime.OnResponseCompleted((RequestState)r), request);
                return Task.CompletedTask;
            },
            state);
        if (!_loop.Post(static s => ((RequestState)s).Runtime.Begin((RequestState)s), state))
        {
            throw new ObjectDisposedException(nameof(WorkerRuntime), "The worker is shutting down.");
        }

        return state.Completion.Task;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _loop.Post(() =>
        {
            foreach (var timer in _timers.Values)
            {
                timer.Timer.Dispose();
            }

            _timers.Clear();
            _engine?.Dispose();
        });
        _loop.Dispose();
        _console.Flush();
        _stopping.Dispose();
    }

    private static Prepared<Acornima.Ast.Script>[] LoadPrelude()
    {
        var assembly = typeof(WorkerRuntime).Assembly;
        return PreludeFiles.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream("EdgeCache.JavaScript." + name)
                ?? throw new InvalidOperationException($"The prelude {name} is missing from the assembly.");
            using var reader = new StreamReader(stream);
            return Engine.PrepareScript(reader.ReadToEnd(), "edgecache:" + name);
        }).ToArray();
    }

    private object? Initialize()
    {
        var directory = Path.GetDirectoryName(_script.FilePath)!;
        _engine = new Engine(o =>
        {
            o.Constraints.Constraints.Add(_cpu);

            // The largest single allocation a script can ask for in one statement (the memory limit is
            // checked every few statements): 16 Mi elements.
            o.Constraints.MaxArraySize = 16u * 1024 * 1024;

            // A script that recurses without end gets a RangeError it can catch (as on workerd) instead of
            // overflowing the loop thread's stack, which no catch sees and which ends the whole process.
            o.Constraints.StackOverflowGuard = true;
            o.EnableModules(directory, restrictToBasePath: true);
            o.TimeZone = TimeZoneInfo.Utc;
            o.Culture = CultureInfo.InvariantCulture;
        });

        var host = CreateHostApi();
        var shared = new JsObject(_engine);
        foreach (var prelude in Prelude.Value)
        {
            var result = _engine.Evaluate(prelude);
            if (result.IsCallable())
            {
                _engine.Call(result, JsValue.Undefined, [host, shared]);
            }
        }

        _dispatch = shared.Get("dispatch");
        _fireTimer = shared.Get("fireTimer");
        _readChunk = shared.Get("readChunk");

        // Taken before the script runs: what a script does to the global Promise does not change the host's.
        _promiseConstructor = _engine.Global.Get("Promise");
        _promiseResolve = _promiseConstructor.Get("resolve");
        _promiseReject = _promiseConstructor.Get("reject");
        _promiseThen = _promiseConstructor.Get("prototype").Get("then");
        _extractBody = shared.Get("extractBody");
        _takeBody = shared.Get("takeBody");
        BindDispatch(shared);

        _cpu.Arm(null);
        try
        {
            if (_script.IsModule)
            {
                LoadModule(shared);
            }
            else
            {
                LoadServiceWorker(shared);
            }

            _engine.Advanced.ProcessTasks();
        }
        catch (JavaScriptException ex)
        {
            throw LoadError(ex);
        }
        catch (CpuLimitExceededException ex)
        {
            throw new JavaScriptWorkerLoadException(_cpu.Exceeded == "memory"
                ? $"{_script.FilePath}: the script's top-level code allocated more than the memory limit ({_options.MemoryLimit} bytes)."
                : $"{_script.FilePath}: the script's top-level code ran longer than the CPU limit ({_options.CpuLimit.TotalMilliseconds} ms).", ex);
        }
        finally
        {
            _cpu.Disarm(null);
        }

        return null;
    }

    private void LoadModule(JsObject shared)
    {
        var env = new JsObject(_engine);
        foreach (var (name, value) in _options.Variables)
        {
            env.Set(name, value);
        }

        var exports = _engine.Modules.Import("./" + Path.GetFileName(_script.FilePath));
        var handler = exports.Get("default");
        if (!handler.IsObject() || !handler.AsObject().Get("fetch").IsCallable())
        {
            throw new JavaScriptWorkerLoadException($"{_script.FilePath}: the module's default export has no fetch method (export default {{ async fetch(request, env, ctx) {{ ... }} }}).");
        }

        _engine.Call(shared.Get("useModule"), JsValue.Undefined, [handler, env]);
    }

    private void LoadServiceWorker(JsObject shared)
    {
        foreach (var (name, value) in _options.Variables)
        {
            _engine.SetValue(name, value);
        }

        _engine.Execute(_script.Script!.Value);
        if (!_engine.Call(shared.Get("hasFetchListener"), JsValue.Undefined, []).AsBoolean())
        {
            throw new JavaScriptWorkerLoadException($"{_script.FilePath}: the script registers no fetch handler (addEventListener('fetch', ...) or export default {{ fetch }}).");
        }
    }

    private JavaScriptWorkerLoadException LoadError(JavaScriptException ex)
    {
        var location = ex.Location;
        var stack = ex.JavaScriptStackTrace is { Length: > 0 } s ? "\n" + s : string.Empty;
        return location.Start.Line > 0
            ? new JavaScriptWorkerLoadException($"Uncaught {ex.Error}{stack}", location.SourceFile ?? _script.FilePath, location.Start.Line, location.Start.Column + 1, ex)
            : new JavaScriptWorkerLoadException($"{_script.FilePath}: Uncaught {ex.Error}{stack}", ex);
    }

    private void Begin(RequestState state)
    {
        state.Id = ++_nextRequest;
        _requests[state.Id] = state;
        RunTurn(state, static (runtime, s) => runtime.StartRequest(s), state);
    }

    // The request's first turn: the incoming Request made and given to the script.
    private void StartRequest(RequestState state)
    {
        var request = state.Event.Request;
        var body = request.Content is null ? JsValue.Null : Wrap(new HostBody(request.Content), state);
        var cf = new JsObject(_engine);
        // Own data properties, as workerd's cf object has (a setter a script put on Object.prototype is not run).
        cf.FastSetDataProperty("httpProtocol", ProtocolName(state.Event.HttpContext.Request.Protocol));
        cf.FastSetDataProperty("colo", LocalColo);
        var message = IncomingRequest(request, body, cf);
        if (_script.IsModule)
        {
            _engine.Call(_dispatch, JsValue.Undefined, [state.Id, message]);
        }
        else
        {
            DispatchFetch(state, message);
        }
    }

    private static readonly JsString LocalColo = new("LOCAL");
    private static readonly JsString Http11 = new("HTTP/1.1");
    private static readonly JsString Http2 = new("HTTP/2");

    private static JsString ProtocolName(string protocol) => protocol switch
    {
        "HTTP/1.1" => Http11,
        "HTTP/2" => Http2,
        _ => new JsString(protocol),
    };

    /// <summary>
    /// Runs one turn: <paramref name="work"/>, then every promise job it queued. Under the CPU limit;
    /// a failure that escapes JavaScript fails the turn's request.
    /// </summary>
    private void RunTurn(RequestState? owner, Action work) => RunTurn(owner, static (_, w) => w(), work);

    /// <summary>A turn of <paramref name="work"/> with <paramref name="argument"/>: a static delegate allocates nothing per turn.</summary>
    private void RunTurn<T>(RequestState? owner, Action<WorkerRuntime, T> work, T argument)
    {
        var previous = _current;
        _current = owner;
        _cpu.Arm(owner);
        try
        {
            work(this, argument);
            _engine.Advanced.ProcessTasks();
        }
        catch (CpuLimitExceededException ex)
        {
            _engine.Advanced.ResetCallStack();
            _console.Flush();
            if (_cpu.Exceeded == "memory")
            {
                Log.MemoryLimitExceeded(_logger, _options.MemoryLimit, owner?.Url ?? "(no request)");
            }
            else
            {
                Log.CpuLimitExceeded(_logger, _options.CpuLimit.TotalMilliseconds, owner?.Url ?? "(no request)");
            }

            owner?.Completion.TrySetException(new JavaScriptWorkerException(ex.Message));
        }
        catch (JavaScriptException ex)
        {
            // The host logs the failure when it gets it: the console lines before it come first.
            _console.Flush();
            var stack = $"Uncaught {ex.Error}\n{ex.JavaScriptStackTrace}";
            if (owner is null || !owner.Completion.TrySetException(new JavaScriptWorkerException(stack)))
            {
                Log.Uncaught(_logger, stack);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _console.Flush();
            if (owner is null || !owner.Completion.TrySetException(ex))
            {
                Log.LoopFailed(_logger, ex);
            }
        }
        finally
        {
            _cpu.Disarm(owner);
            _current = previous;
            _console.AfterTurn();
        }
    }

    private void OnResponseCompleted(RequestState state)
    {
        state.ResponseDone = true;
        Retire(state);
    }

    /// <summary>Forgets a request once its response is out and its waitUntil work is done.</summary>
    private void Retire(RequestState state)
    {
        if (!state.ResponseDone || state.PendingWork > 0 || !_requests.Remove(state.Id))
        {
            return;
        }

        foreach (var body in state.Bodies)
        {
            body.Release();
        }

        state.Bodies.Clear();
    }

    /// <summary>
    /// A newer version of the script took over: this one finishes the requests it has (their responses and
    /// waitUntil work), then disposes itself.
    /// </summary>
    /// <remarks>
    /// Checked once a second rather than at the last request's end: a request that read the old version just
    /// before the switch may still be on its way to this loop.
    /// </remarks>
    public void Replace()
    {
        ITimer? check = null;
        check = _time.CreateTimer(
            _ => _loop.Post(() =>
            {
                if (_requests.Count == 0)
                {
                    check?.Dispose();
                    ThreadPool.UnsafeQueueUserWorkItem(static r => r.Dispose(), this, preferLocal: false);
                }
            }),
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// The serialised URL of <c>new Request(input)</c>'s input. The URL parser's answer for a string depends on the
    /// string alone, so the few that come back on every request (a cache key made from the request's URL) are
    /// answered from here; other inputs (objects, whose toString runs) always go to the parser.
    /// </summary>
    private JsValue ParseUrl(JsValue input)
    {
        if (input is not JsString text)
        {
            return SerializeUrl(input);
        }

        var key = text.ToString();
        if (_parsedUrls.TryGetValue(key, out var href))
        {
            return href;
        }

        href = SerializeUrl(input);
        if (key.Length <= MaxRememberedUrlLength)
        {
            if (_parsedUrls.Count >= RememberedUrls)
            {
                _parsedUrls.Clear();
            }

            _parsedUrls[key] = href;
        }

        return href;
    }

    private JsValue Wrap(HostBody body, RequestState? owner)
    {
        owner?.Bodies.Add(body);
        return JsValue.FromObject(_engine, body);
    }

    private JavaScriptException TypeError(string message)
        => new(_engine.Intrinsics.TypeError, message);
}
