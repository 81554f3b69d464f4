using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.AspNetCore.Tests.Proxy;

public sealed class GrowingBufferTests
{
    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(1, 1)]
    [InlineData(GrowingBuffer.MaxSegmentSize, GrowingBuffer.MaxSegmentSize)]
    [InlineData(10L * 1024 * 1024, GrowingBuffer.MaxSegmentSize)]
    [InlineData(0, GrowingBuffer.MaxSegmentSize)]
    [InlineData(-1, GrowingBuffer.MaxSegmentSize)]
    public void A_small_declared_body_gets_a_segment_of_its_own_size(long declared, int expected)
        => Assert.Equal(expected, new GrowingBuffer(declared).SegmentSize);

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(-1, 200_000)]
    [InlineData(150_000, 150_000)]
    [InlineData(3000, 3000)]
    public async Task Readers_get_every_byte_whatever_the_segment_size(long declared, int length)
    {
        var body = new byte[length];
        Random.Shared.NextBytes(body);
        var buffer = new GrowingBuffer(declared);
        var early = new MemoryStream();
        var copying = buffer.CopyToAsync(early, 0, -1, CancellationToken.None);
        for (var offset = 0; offset < length; offset += 700)
        {
            buffer.Append(body.AsSpan(offset, Math.Min(700, length - offset)));
        }

        buffer.Complete();
        await copying.WaitAsync(TimeSpan.FromSeconds(10));
        var late = new MemoryStream();
        await buffer.CopyToAsync(late, 0, -1, CancellationToken.None);
        var range = new MemoryStream();
        await buffer.CopyToAsync(range, length / 3, length / 2, CancellationToken.None);

        Assert.Equal(body, early.ToArray());
        Assert.Equal(body, late.ToArray());
        Assert.Equal(body.AsSpan(length / 3, length / 2).ToArray(), range.ToArray());
    }

    [Fact]
    public void A_declared_body_is_whole_once_every_declared_byte_is_in_and_an_undeclared_one_once_complete()
    {
        var declared = new GrowingBuffer(4);
        declared.Append("abc"u8);
        var partWay = declared.IsWhole;
        declared.Append("d"u8);

        var undeclared = new GrowingBuffer();
        undeclared.Append("abcd"u8);
        var beforeComplete = undeclared.IsWhole;
        undeclared.Complete();

        var broken = new GrowingBuffer(4);
        broken.Append("abcd"u8);
        broken.Fail(new IOException("reset"));

        Assert.False(partWay);
        Assert.True(declared.IsWhole);
        Assert.False(beforeComplete);
        Assert.True(undeclared.IsWhole);
        Assert.False(broken.IsWhole);
    }
}

/// <summary>
/// A trimming buffer and the followers collapsed onto its fetch before it began trimming: their continuations can run
/// after the leader has read far on, and they still read the body from its start.
/// </summary>
public sealed class GrowingBufferExpectedReaderTests
{
    private const int Segment = GrowingBuffer.MaxSegmentSize;
    private static readonly TimeSpan FirstReaderWait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_follower_that_joined_before_trimming_began_reads_from_the_start_however_late_it_attaches()
    {
        var fetch = new InFlightFetch("k", null, 0);
        Assert.True(fetch.TryJoin(out var expected));
        var buffer = new GrowingBuffer(-1, fetch.ExpectedReaders);
        var body = Body(4 * Segment);
        var leaderOut = new WatchedStream();
        var leader = buffer.CopyToAsync(leaderOut, 0, -1, CancellationToken.None);
        buffer.Append(body.AsSpan(0, 3 * Segment));
        buffer.StartTrimming();
        await leaderOut.Reached(3 * Segment).WaitAsync(TimeSpan.FromSeconds(10));

        // The fill's next chunk waits: the follower's start is still kept, and the fill holds back until it arrives.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var fillWaits = buffer.WaitForReadersAsync(0, FirstReaderWait, time, CancellationToken.None);
        var waitedForFollower = !fillWaits.IsCompleted;
        var followerOut = new MemoryStream();
        var follower = buffer.CopyToAsync(followerOut, 0, -1, CancellationToken.None, expected);
        await fillWaits.WaitAsync(TimeSpan.FromSeconds(10));
        buffer.Append(body.AsSpan(3 * Segment));
        buffer.Complete();
        await Task.WhenAll(leader, follower).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waitedForFollower);
        Assert.Equal(body, leaderOut.ToArray());
        Assert.Equal(body, followerOut.ToArray());
        Assert.Equal(0, fetch.ExpectedReaders.Outstanding);
    }

    [Fact]
    public async Task A_follower_that_gives_up_without_reading_lets_the_fill_go_on_and_the_start_be_released()
    {
        var fetch = new InFlightFetch("k", null, 0);
        Assert.True(fetch.TryJoin(out var expected));
        var buffer = new GrowingBuffer(-1, fetch.ExpectedReaders);
        var leaderOut = new WatchedStream();
        var leader = buffer.CopyToAsync(leaderOut, 0, -1, CancellationToken.None);
        buffer.Append(Body(3 * Segment));
        buffer.StartTrimming();
        await leaderOut.Reached(3 * Segment).WaitAsync(TimeSpan.FromSeconds(10));
        var fillWaits = buffer.WaitForReadersAsync(0, FirstReaderWait, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), CancellationToken.None);
        var waited = !fillWaits.IsCompleted;

        expected.Withdraw(); // a HEAD, a 304, a Vary mismatch: it ends without reading
        await fillWaits.WaitAsync(TimeSpan.FromSeconds(10));
        var late = buffer.CopyToAsync(new MemoryStream(), 0, -1, CancellationToken.None);
        buffer.Complete();
        await leader.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waited);
        await Assert.ThrowsAsync<IOException>(() => late);
        Assert.Equal(0, fetch.ExpectedReaders.Outstanding);
    }

    [Fact]
    public async Task A_follower_that_never_comes_holds_the_fill_back_only_for_the_expected_reader_wait()
    {
        var fetch = new InFlightFetch("k", null, 0);
        Assert.True(fetch.TryJoin(out _));
        var buffer = new GrowingBuffer(-1, fetch.ExpectedReaders);
        var leaderOut = new WatchedStream();
        var leader = buffer.CopyToAsync(leaderOut, 0, -1, CancellationToken.None);
        buffer.Append(Body(3 * Segment));
        buffer.StartTrimming();
        await leaderOut.Reached(3 * Segment).WaitAsync(TimeSpan.FromSeconds(10));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var fillWaits = buffer.WaitForReadersAsync(0, FirstReaderWait, time, CancellationToken.None);
        time.Advance(GrowingBuffer.MaxExpectedReaderWait - TimeSpan.FromMilliseconds(100));
        var waitingBeforeTheEnd = !fillWaits.IsCompleted;

        time.Advance(TimeSpan.FromMilliseconds(100));
        await fillWaits.WaitAsync(TimeSpan.FromSeconds(10));
        buffer.Complete();
        await leader.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waitingBeforeTheEnd);
        await Assert.ThrowsAsync<IOException>(() => buffer.CopyToAsync(new MemoryStream(), 0, -1, CancellationToken.None));
    }

    [Fact]
    public void Joining_after_the_fetch_ended_leaves_no_reader_expected()
    {
        var fetch = new InFlightFetch("k", null, 0);
        fetch.Release();
        fetch.Release();

        Assert.False(fetch.TryJoin(out var expected));
        Assert.Null(expected);
        Assert.Equal(0, fetch.ExpectedReaders.Outstanding);
    }

    private static byte[] Body(int length)
    {
        var body = new byte[length];
        Random.Shared.NextBytes(body);
        return body;
    }

    /// <summary>A memory stream that says when so many bytes were written to it.</summary>
    private sealed class WatchedStream : MemoryStream
    {
        private readonly Lock _sync = new();
        private readonly List<(long Length, TaskCompletionSource Done)> _watches = [];

        public Task Reached(long length)
        {
            lock (_sync)
            {
                if (Length >= length)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _watches.Add((length, done));
                return done.Task;
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_sync)
            {
                base.Write(buffer, offset, count);
                foreach (var (length, done) in _watches)
                {
                    if (Length >= length)
                    {
                        done.TrySetResult();
                    }
                }
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }
    }
}
