using System.Collections.Concurrent;
using System.Net;
using EdgeCache.JavaScript.Runtime;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Tests.Runtime;

public sealed class ConsoleLogTests
{
    [Fact]
    public async Task Lines_reach_the_log_in_the_order_the_script_wrote_them_across_batches_and_requests()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            let n = 0;
            addEventListener('fetch', e => {
              for (let i = 0; i < 100; i++) console.log('line ' + n++);
              e.respondWith(new Response('ok'));
            });
            """);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", await host.Client.GetStringAsync("/"));
        }

        Assert.True(await host.Logs.WaitForConsoleAsync(LogLevel.Information, "line 299"), host.Logs.Text);
        var lines = host.Logs.Lines.Where(l => l.Category == "EdgeCache.JavaScript.Console").Select(l => l.Message).ToArray();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "line " + i), lines);
    }

    [Fact]
    public async Task A_requests_console_lines_are_logged_before_the_failure_it_ends_with()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default { async fetch() { console.log('about to fail'); await null; throw new TypeError('broken'); } };
            """);

        using var response = await host.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var lines = host.Logs.Lines.ToArray();
        var console = Array.FindIndex(lines, l => l.Message == "about to fail");
        var failure = Array.FindIndex(lines, l => l.Message.Contains("TypeError: broken", StringComparison.Ordinal));
        Assert.True(console >= 0 && failure > console, host.Logs.Text);
    }

    [Fact]
    public void A_level_the_logger_filters_out_is_not_queued()
    {
        var logger = new ListLogger(LogLevel.Warning);
        var log = new ConsoleLog(logger);

        log.Write(LogLevel.Information, "dropped");
        log.Write(LogLevel.Error, "kept");
        log.Flush();

        Assert.Equal(["kept"], logger.Lines);
    }

    [Fact]
    public async Task A_batch_is_logged_on_the_thread_pool_once_scheduled_and_in_order()
    {
        var logger = new ListLogger(LogLevel.Trace);
        var log = new ConsoleLog(logger);

        for (var i = 0; i < ConsoleLog.BatchSize + 5; i++)
        {
            log.Write(LogLevel.Information, "line " + i);
        }

        log.Schedule();
        var all = Enumerable.Range(0, ConsoleLog.BatchSize + 5).Select(i => "line " + i).ToArray();
        Assert.True(await logger.WaitForCountAsync(all.Length), string.Join(", ", logger.Lines));
        Assert.Equal(all, logger.Lines);
    }

    private sealed class ListLogger(LogLevel minimum) : ILogger
    {
        private readonly SemaphoreSlim _logged = new(0);

        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Lines.Enqueue(formatter(state, exception));
            _logged.Release();
        }

        public async Task<bool> WaitForCountAsync(int count)
        {
            for (var seen = 0; seen < count; seen++)
            {
                if (!await _logged.WaitAsync(TimeSpan.FromSeconds(10)))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
