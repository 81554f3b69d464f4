using System.Collections.Concurrent;
using EdgeCache.AspNetCore;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1:0 running a JavaScript worker (written to a temporary file) in front of a
/// real <see cref="TestOrigin"/>; every log line is kept for assertions.
/// </summary>
internal sealed class JsWorkerHost : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _ownsOrigin;

    private JsWorkerHost(WebApplication app, TestOrigin origin, bool ownsOrigin, HttpClient client, LogCollector logs, string directory, string scriptPath)
    {
        _ownsOrigin = ownsOrigin;
        ScriptPath = scriptPath;
        App = app;
        Origin = origin;
        Client = client;
        Logs = logs;
        _directory = directory;
    }

    public WebApplication App { get; }

    public TestOrigin Origin { get; }

    public HttpClient Client { get; }

    public LogCollector Logs { get; }

    /// <summary>The script file (tests of Watch rewrite it).</summary>
    public string ScriptPath { get; }

    /// <summary>Starts the worker; with <paramref name="sharedOrigin"/> it fronts that origin (which it does not stop).</summary>
    public static async Task<JsWorkerHost> StartAsync(string script, Action<JavaScriptWorkerOptions>? configure = null, string fileName = "worker.js", TestOrigin? sharedOrigin = null)
    {
        var directory = Directory.CreateTempSubdirectory("edgecache-js-").FullName;
        var path = Path.Combine(directory, fileName);
        await File.WriteAllTextAsync(path, script);
        var origin = sharedOrigin ?? await TestOrigin.StartAsync();
        var logs = new LogCollector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddEdgeCache(o => o.Origin = origin.BaseUri);
        var app = builder.Build();
        try
        {
            app.MapJavaScriptWorker(path, configure);
        }
        catch
        {
            await app.DisposeAsync();
            if (sharedOrigin is null)
            {
                await origin.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // Redirects are the worker's answer, not something to follow (and tests must stay on loopback).
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        return new JsWorkerHost(app, origin, sharedOrigin is null, client, logs, directory, path);
    }

    /// <summary>Writes a script to a temporary file and maps it, for tests of what start-up refuses.</summary>
    public static async Task<Exception> LoadFailureAsync(string script, string fileName = "worker.js")
    {
        var directory = Directory.CreateTempSubdirectory("edgecache-js-").FullName;
        try
        {
            var path = Path.Combine(directory, fileName);
            await File.WriteAllTextAsync(path, script);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddEdgeCache(o => o.Origin = new Uri("http://127.0.0.1:9"));
            await using var app = builder.Build();
            return Assert.ThrowsAny<Exception>(() => app.MapJavaScriptWorker(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsOrigin)
        {
            await Origin.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Keeps every log line (category, level, message and exception).</summary>
internal sealed class LogCollector : ILoggerProvider
{
    private readonly object _gate = new();
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public string Text => string.Join("\n", Lines.Select(l => $"{l.Level} {l.Category}: {l.Message}"));

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    /// <summary>
    /// Waits until a line matches (console lines reach the log in batches, after the response): true when one
    /// does, false when none has within <paramref name="timeout"/> (10 s by default).
    /// </summary>
    public async Task<bool> WaitForAsync(Func<(string Category, LogLevel Level, string Message), bool> match, TimeSpan? timeout = null)
    {
        var expired = Task.Delay(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task added;
            lock (_gate)
            {
                added = _added.Task;
            }

            if (Lines.Any(match))
            {
                return true;
            }

            if (await Task.WhenAny(added, expired) == expired)
            {
                return Lines.Any(match);
            }
        }
    }

    /// <summary>Waits for a console line (category EdgeCache.JavaScript.Console) of that level and text.</summary>
    public Task<bool> WaitForConsoleAsync(LogLevel level, string message)
        => WaitForAsync(l => l.Category == "EdgeCache.JavaScript.Console" && l.Level == level && l.Message == message);

    private void Add(string category, LogLevel level, string message)
    {
        Lines.Enqueue((category, level, message));
        TaskCompletionSource added;
        lock (_gate)
        {
            added = _added;
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    public void Dispose()
    {
    }

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Add(category, logLevel, formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception));
    }
}
