using System.Net;
using System.Security.Cryptography;

namespace EdgeCache.AspNetCore.Tests;

public sealed class CloneTests
{
    private static HttpResponseMessage ResponseOver(Stream body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        response.Headers.TryAddWithoutValidation("X-Test", "1");
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/octet-stream");
        return response;
    }

    [Fact]
    public async Task Both_sides_of_a_clone_read_the_whole_body_and_the_source_is_read_once()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var source = new CountingStream(new MemoryStream(data));
        var response = ResponseOver(source);

        var clone = response.Clone();
        var a = response.Content.ReadAsByteArrayAsync();
        var b = clone.Content.ReadAsByteArrayAsync();
        await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(data, await a);
        Assert.Equal(data, await b);
        Assert.Equal(data.Length, source.BytesRead);
        Assert.Equal("1", clone.Headers.GetValues("X-Test").Single());
        Assert.Equal("application/octet-stream", clone.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_side_that_runs_ahead_waits_for_the_other_instead_of_buffering_the_whole_body()
    {
        var data = new byte[32 * 1024 * 1024];
        var source = new CountingStream(new MemoryStream(data));
        var response = ResponseOver(source);
        var clone = response.Clone();

        // Read only the first side; the second is held but not read.
        var first = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        var read = 0L;
        var readTask = Task.Run(async () =>
        {
            int n;
            while ((n = await first.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        });

        await Task.WhenAny(readTask, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.False(readTask.IsCompleted, "the fast side must wait for the slow one");
        Assert.True(source.BytesRead <= 8L * 1024 * 1024, $"read {source.BytesRead} bytes ahead of the slow side");

        // Once the slow side is read too, both finish.
        var second = await clone.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await readTask.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(data.Length, second.Length);
        Assert.Equal(data.Length, read);
    }

    [Fact]
    public async Task Disposing_one_side_lets_the_other_read_everything()
    {
        var data = RandomNumberGenerator.GetBytes(12 * 1024 * 1024);
        var response = ResponseOver(new MemoryStream(data));
        var clone = response.Clone();

        clone.Dispose();
        var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(data, body);
    }

    [Fact]
    public async Task A_failing_source_fails_both_sides()
    {
        var response = ResponseOver(new FailingStream(bytesBeforeFailure: 100_000));
        var clone = response.Clone();

        var first = await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var second = await Assert.ThrowsAnyAsync<Exception>(() => clone.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsAssignableFrom<IOException>(first is IOException ? first : first.InnerException);
        Assert.IsAssignableFrom<IOException>(second is IOException ? second : second.InnerException);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Interlocked.Add(ref BytesRead, n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref BytesRead, n);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class FailingStream(int bytesBeforeFailure) : Stream
    {
        private int _left = bytesBeforeFailure;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left <= 0)
            {
                throw new IOException("origin connection reset");
            }

            var n = Math.Min(count, _left);
            _left -= n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
