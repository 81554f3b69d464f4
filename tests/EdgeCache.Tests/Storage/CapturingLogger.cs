using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Storage;

/// <summary>A logger that keeps what it is told, to assert that a failure was reported.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Entries.Enqueue((logLevel, formatter(state, exception)));

    public bool HasWarning(string fragment)
        => Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains(fragment, StringComparison.Ordinal));
}
