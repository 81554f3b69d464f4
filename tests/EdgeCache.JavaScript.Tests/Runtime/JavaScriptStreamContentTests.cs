using System.Text;

namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>A body that JavaScript makes as a ReadableStream streams to the client as it is produced.</summary>
public sealed class JavaScriptStreamContentTests
{
    private const string Script = """
        let release;
        const released = new Promise(resolve => { release = resolve; });
        export default {
          async fetch(request) {
            const path = new URL(request.url).pathname;
            if (path === '/release') { release(); return new Response('released'); }
            const encoder = new TextEncoder();
            let step = 0;
            const stream = new ReadableStream({
              async pull(controller) {
                step++;
                if (step === 1) { controller.enqueue(encoder.encode('first;')); return; }
                await released;
                if (path === '/broken') { controller.error(new Error('the source broke')); return; }
                controller.enqueue(encoder.encode('second'));
                controller.close();
              },
            });
            return new Response(stream, { headers: { 'content-type': 'text/plain' } });
          },
        };
        """;

    [Fact]
    public async Task The_first_chunk_reaches_the_client_before_the_stream_ends()
    {
        await using var host = await JsWorkerHost.StartAsync(Script);

        using var response = await host.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var firstChunk = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal("first;", await ReadAtLeastAsync(body, "first;".Length, firstChunk.Token));

        // Only now does the stream produce the rest: had the body been collected first, nothing would have come.
        Assert.Equal("released", await host.Client.GetStringAsync("/release"));
        using var reader = new StreamReader(body);
        Assert.Equal("second", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_stream_that_fails_part_way_aborts_the_response_instead_of_ending_it_short()
    {
        await using var host = await JsWorkerHost.StartAsync(Script);

        using var response = await host.Client.GetAsync("/broken", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var firstChunk = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal("first;", await ReadAtLeastAsync(body, "first;".Length, firstChunk.Token));
        await host.Client.GetStringAsync("/release");

        using var reader = new StreamReader(body);
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync());
    }

    private static async Task<string> ReadAtLeastAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer);
    }
}
