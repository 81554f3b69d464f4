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

    [Fact]
    public async Task With_several_engines_a_changed_script_reloads_every_engine()
    {
        const string script = """
            const engine = Math.random().toString(36).slice(2);
            export default {
              async fetch(request) {
                if (new URL(request.url).pathname === '/hold') await (await fetch(new URL('/slow', request.url))).text();
                return new Response('VERSION ' + engine);
              },
            };
            """;
        var holding = 0;
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await JsWorkerHost.StartAsync(script.Replace("VERSION", "v1", StringComparison.Ordinal), o =>
        {
            o.Watch = true;
            o.Engines = 3;
        });
        host.Origin.Route("/slow", async (ctx, _) =>
        {
            if (Interlocked.Increment(ref holding) == 3)
            {
                allHeld.TrySetResult();
            }

            await release.Task;
            await ctx.Response.WriteAsync("held");
        });

        await File.WriteAllTextAsync(host.ScriptPath, script.Replace("VERSION", "v2", StringComparison.Ordinal));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (!(await host.Client.GetStringAsync("/", deadline.Token)).StartsWith("v2", StringComparison.Ordinal))
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        // Three requests in flight at once go to three engines (each to the one with the fewest in flight).
        var held = new List<Task<string>>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(host.Client.GetStringAsync("/hold"));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (Volatile.Read(ref holding) <= i)
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        await allHeld.Task.WaitAsync(TimeSpan.FromSeconds(20));
        release.SetResult();
        var answers = await Task.WhenAll(held);

        Assert.All(answers, a => Assert.StartsWith("v2 ", a, StringComparison.Ordinal));
        Assert.Equal(3, answers.Distinct().Count());
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
