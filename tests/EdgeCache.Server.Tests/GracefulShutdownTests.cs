using System.Net;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests;

public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task SIGTERM_during_load_finishes_in_flight_responses_and_loses_no_WaitUntil_cache_write()
    {
        const int Requests = 10;
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/slow", async (ctx, hit) =>
        {
            // Headers and a first part now, the rest after the server has been told to stop.
            ctx.Response.Headers.CacheControl = "public, max-age=60";
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync($"{ctx.Request.QueryString} first part;");
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(1500);
            await ctx.Response.WriteAsync($" second part v{hit}");
        });
        var dataDir = Path.Combine(Path.GetTempPath(), "edgecache-shutdown-" + Guid.NewGuid().ToString("N"));
        string[] args = ["--origin", origin.BaseUri.ToString(), "--handler", "example", "--store", "disk", "--data-dir", dataDir];
        try
        {
            var server = await ServerProcess.StartAsync(args);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
                client.GetAsync(new Uri(server.BaseUri, $"/slow?i={i}"), HttpCompletionOption.ResponseHeadersRead)));

            // Every handler has returned and started its cache write; now stop the server.
            var exit = server.TerminateAsync(TimeSpan.FromSeconds(60));
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            var exitCode = await exit;
            var output = server.Output;
            await server.DisposeAsync();

            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
            for (var i = 0; i < Requests; i++)
            {
                Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
                Assert.StartsWith($"?i={i} first part; second part v", bodies[i], StringComparison.Ordinal);
            }

            // Every write that WaitUntil started was finished before the process left: all are hits now.
            await using var restarted = await ServerProcess.StartAsync(args);
            for (var i = 0; i < Requests; i++)
            {
                using var hit = await client.GetAsync(new Uri(restarted.BaseUri, $"/slow?i={i}"));
                Assert.Equal("HIT", hit.Headers.GetValues("cf-cache-status").Single());
                Assert.Equal(bodies[i], await hit.Content.ReadAsStringAsync());
            }

            Assert.Equal(Requests, origin.Hits("/slow"));
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
