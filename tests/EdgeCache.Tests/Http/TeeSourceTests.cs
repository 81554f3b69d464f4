using EdgeCache.Http;

namespace EdgeCache.Tests.Http;

public sealed class TeeSourceTests
{
    [Fact]
    public async Task Fast_reader_waits_for_a_slower_one_that_keeps_reading_and_both_get_the_whole_body()
    {
        var body = new byte[3 * TeeSource.MaxLag];
        new Random(7).NextBytes(body);
        using var tee = new TeeSource(new MemoryStream(body));

        var fast = ReadAllAsync(tee.First, pause: false);
        var slow = ReadAllAsync(tee.Second, pause: true);
        var results = await Task.WhenAll(fast, slow);

        Assert.Equal(body, results[0]);
        Assert.Equal(body, results[1]);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, bool pause)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
            if (pause)
            {
                await Task.Delay(1);
            }
        }

        return copy.ToArray();
    }
}
