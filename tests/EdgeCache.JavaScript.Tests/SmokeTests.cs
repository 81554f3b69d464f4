namespace EdgeCache.JavaScript.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Service_worker_script_answers()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            addEventListener('fetch', event => {
              event.respondWith(new Response('hello ' + new URL(event.request.url).pathname, { headers: { 'x-a': '1' } }));
            });
            """);
        using var response = await host.Client.GetAsync("/abc");
        Assert.Equal("hello /abc", await response.Content.ReadAsStringAsync());
        Assert.Equal("1", response.Headers.GetValues("x-a").Single());
    }
}
