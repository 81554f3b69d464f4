using BenchmarkDotNet.Attributes;
using Jint;
using Jint.Native;
using Jint.Native.Promise;
using Microsoft.ClearScript.V8;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The engine choice of EdgeCache.JavaScript, measured: Jint (pure managed interpreter) against ClearScript
/// V8 (native V8 with a .NET bridge) on the three things a Workers script does per request: call into the
/// host (Headers, cache, fetch are host calls), settle a promise that the host resolves (every await on
/// cache.match or fetch), and run plain JavaScript (string and object work). Results: docs/javascript-workers.md.
/// </summary>
[MemoryDiagnoser]
public class JavaScriptEngineBenchmarks : IDisposable
{
    private const string Script = """
        function hostCalls(n) { let s = 0; for (let i = 0; i < n; i++) { s += host.Add(i, 1); } return s; }
        function compute(n) {
          const parts = [];
          for (let i = 0; i < n; i++) { parts.push({ name: 'x-header-' + i, value: String(i * 7) }); }
          return parts.map(p => p.name + ': ' + p.value).join('\n').length;
        }
        let settled = 0;
        function dispatch(promise) { (async () => { const v = await promise; settled += v; })(); }
        """;

    private Engine _jint = null!;
    private JsValue _jintHostCalls = null!;
    private JsValue _jintCompute = null!;
    private JsValue _jintDispatch = null!;
    private V8ScriptEngine _v8 = null!;
    private dynamic _v8Script = null!;

    [GlobalSetup]
    public void Setup()
    {
        _jint = new Engine();
        _jint.SetValue("host", new Host());
        _jint.Execute(Script);
        _jintHostCalls = _jint.GetValue("hostCalls");
        _jintCompute = _jint.GetValue("compute");
        _jintDispatch = _jint.GetValue("dispatch");

        _v8 = new V8ScriptEngine();
        _v8.AddHostObject("host", new Host());
        _v8.Execute(Script + "\nfunction makePromise() { let r; const p = new Promise(res => r = res); return { p, r }; }");
        _v8Script = _v8.Script;
    }

    /// <summary>1,000 JS-to-C# calls in a JS loop (per call: divide by 1,000).</summary>
    [Benchmark]
    public double Jint_1000_host_calls() => _jintHostCalls.Call(1000).AsNumber();

    /// <summary>1,000 JS-to-C# calls in a JS loop (per call: divide by 1,000).</summary>
    [Benchmark]
    public object V8_1000_host_calls() => _v8Script.hostCalls(1000);

    /// <summary>Plain JavaScript: build, map and join 200 small objects.</summary>
    [Benchmark]
    public double Jint_compute() => _jintCompute.Call(200).AsNumber();

    /// <summary>Plain JavaScript: build, map and join 200 small objects.</summary>
    [Benchmark]
    public object V8_compute() => _v8Script.compute(200);

    /// <summary>
    /// One await resolved by the host, driving Jint's job queue directly: register a promise, hand it to
    /// an async JS function, resolve it from C#, run the jobs. This is the shape of every cache/fetch await.
    /// </summary>
    [Benchmark]
    public void Jint_host_resolved_await()
    {
        var (promise, resolve, _) = _jint.Advanced.RegisterPromise();
        _jintDispatch.Call(promise);
        resolve(1);
        _jint.Advanced.ProcessTasks();
    }

    /// <summary>The same await on V8: V8 runs its microtasks when the host call returns.</summary>
    [Benchmark]
    public void V8_host_resolved_await()
    {
        var pair = _v8Script.makePromise();
        _v8Script.dispatch(pair.p);
        pair.r(1);
    }

    public void Dispose()
    {
        _jint?.Dispose();
        _v8?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The host object both engines call.</summary>
    public sealed class Host
    {
        /// <summary>Adds two numbers (the cheapest possible host call).</summary>
        public double Add(double a, double b) => a + b;
    }
}
