using System.Collections.Concurrent;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// A stored body that breaks off after the response head went out (a read error in the store) aborts the connection, so
/// the client sees a failed transfer and never a short body that looks complete, and the proxy says so in its log:
/// otherwise a reset connection is all anyone sees (session 16 found such resets only through Kestrel's debug log).
/// </summary>
public sealed class BrokenStoredBodyTests
{
    private const int Length = 100_000;

    [Fact]
    public async Task A_body_that_breaks_off_after_the_head_aborts_the_transfer_and_is_logged_as_a_warning()
    {
        var logs = new LogLines();
        await using var h = await ProxyHarness.StartAsync(
            services => new BreakingStore(new MemoryStore(new MemoryStoreOptions(), services.GetRequiredService<TimeProvider>())), logs);
        h.Origin.Route("/breaks", (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "public, max-age=60";
            return ctx.Response.WriteAsync(new string('x', Length));
        });
        Assert.Equal(Length, (await h.GetTextAsync("/breaks")).Body.Length);

        // The client reads the whole body: the transfer fails, it does not end short.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => h.GetAsync("/breaks"));
        Assert.Equal(1, h.Origin.Hits("/breaks"));

        await ProxyHarnessBase.EventuallyAsync(() => logs.Lines.Any(l => l.Id == 209 && l.Level == LogLevel.Warning && l.Message.Contains("/breaks", StringComparison.Ordinal)));
    }

    /// <summary>The memory store, with every hit's body read through a stream that fails after its first 30,000 bytes.</summary>
    private sealed class BreakingStore(ICacheStore inner) : ICacheStore
    {
        public string Name => inner.Name;

        public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
            => await inner.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } entry ? new BreakingEntry(entry) : null;

        public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default) => inner.BeginWriteAsync(metadata, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default) => inner.PurgeAsync(purge, cancellationToken);

        public StoreStatistics GetStatistics() => inner.GetStatistics();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class BreakingEntry(CacheEntry entry) : CacheEntry(entry.Metadata)
    {
        public override Stream OpenBody() => new BreakingStream(entry.OpenBody());
    }

    private sealed class BreakingStream(Stream inner) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= 30_000)
            {
                throw new IOException("injected: the store's read failed");
            }

            var n = inner.Read(buffer, offset, (int)Math.Min(count, 30_000 - _read));
            _read += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _read = inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class LogLines : ILoggerProvider
    {
        public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(LogLines owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => owner.Lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
