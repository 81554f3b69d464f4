using Microsoft.AspNetCore.Http;

namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary><c>Watch</c>: the script reloads when it changes; requests in flight finish on the old version.</summary>
public sealed class WatchedWorkerTests
{
    private static string Version(string name) => $$"""
        export default {
          async fetch(request, env) {
            if (new URL(request.url).pathname === '/hold') {
              const held = await fetch(env.ORIGIN + '/slow');
              return new Response('{{name}} ' + await held.text());
            }
            return new Response('{{name}}');
          },
        };
        """;

    [Fact]
    public async Task A_changed_script_serves_new_requests_while_a_request_in_flight_finishes_on_the_old_version()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await JsWorkerHost.StartAsync(Version("v1"), o => o.Watch = true);
        host.Origin.Route("/slow", async (ctx, _) =>
        {
            holding.TrySetResult();
            await release.Task;
            await ctx.Response.WriteAsync("held");
        });
        Assert.Equal("v1", await host.Client.GetStringAsync("/"));

        await File.WriteAllTextAsync(host.ScriptPath, Version("v2").Replace("env.ORIGIN", $"'{host.Origin.BaseUri.ToString().TrimEnd('/')}'", StringComparison.Ordinal));
        await WaitForAsync(host, "v2");
        var held = host.Client.GetStringAsync("/hold");
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await File.WriteAllTextAsync(host.ScriptPath, Version("v3"));
        await WaitForAsync(host, "v3");
        release.SetResult();

        Assert.Equal("v2 held", await held);
    }

    [Fact]
    public async Task A_changed_script_that_does_not_parse_is_logged_and_the_running_version_kept()
    {
        await using var host = await JsWorkerHost.StartAsync(Version("v1"), o => o.Watch = true);
        Assert.Equal("v1", await host.Client.GetStringAsync("/"));

        await File.WriteAllTextAsync(host.ScriptPath, "export default { fetch( {");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!host.Logs.Text.Contains("did not load", StringComparison.Ordinal))
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.Contains("SyntaxError", host.Logs.Text, StringComparison.Ordinal);
        Assert.Equal("v1", await host.Client.GetStringAsync("/"));
    }

    private static async Task WaitForAsync(JsWorkerHost host, string body)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await host.Client.GetStringAsync("/", deadline.Token) != body)
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
