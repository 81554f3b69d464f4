namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary><c>Engines</c> above 1: several engines share the requests, so one busy engine does not stall the rest.</summary>
public sealed class EnginePoolTests
{
    private const string Script = """
        let served = 0;
        export default {
          async fetch(request) {
            served++;
            if (new URL(request.url).pathname === '/busy') {
              const until = Date.now() + 3000;
              while (Date.now() < until) {}
              return new Response('busy done');
            }
            return new Response('fast ' + served);
          },
        };
        """;

    [Fact]
    public async Task A_request_is_served_by_another_engine_while_one_engine_computes()
    {
        await using var host = await JsWorkerHost.StartAsync(Script, o =>
        {
            o.Engines = 2;
            o.CpuLimit = TimeSpan.FromSeconds(30);
            // The busy loop allocates a number per Date.now(); on a fast, idle machine 3 s of it passes the
            // default 256 MiB per-turn allocation budget (it failed CI that way), which is not what this pins.
            o.MemoryLimit = 64L * 1024 * 1024 * 1024;
        });

        var busy = host.Client.GetStringAsync("/busy");
        var fast = host.Client.GetStringAsync("/fast");

        // With one engine the fast request would queue behind the busy loop and finish second.
        Assert.Same(fast, await Task.WhenAny(busy, fast));
        Assert.StartsWith("fast ", await fast, StringComparison.Ordinal);
        Assert.Equal("busy done", await busy);
    }
}
