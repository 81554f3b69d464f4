using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace EdgeCache.JavaScript.Tests.Differential;

/// <summary>
/// Every script of <c>Differential/corpus</c> runs under Cloudflare's own runtime (workerd, through the npm
/// package miniflare pinned in <c>Differential/package-lock.json</c>) and under EdgeCache, in front of the
/// same real origin; status, headers and body must agree, except for the differences listed in
/// <see cref="KnownDifferences"/> (each with its reason, also in docs/javascript-workers.md).
/// Needs node and npm on PATH (.ci/run installs them): without them the test fails, it does not skip.
/// </summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    // Headers that are the server's, not the worker's: they differ between any two servers. Miniflare's own
    // plumbing headers (mf-*) are left out too, and the test origin's hit counter (both runtimes fetch from
    // the same origin in turn, so their counts differ by design).
    private static readonly HashSet<string> ServerHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "date", "server", "content-length", "transfer-encoding", "connection", "keep-alive", "x-origin-hit",
    };

    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
        // Miniflare answers an uncaught exception with its HTML/text error page (youch); EdgeCache with a
        // short plain 500 and the stack in the log. Only the status is compared.
        ["21-uncaught-error.js"] = "status only",
    };

    private static readonly object[] Requests =
    [
        new { path = "/", method = "GET", headers = new Dictionary<string, string>() },
        new { path = "/path/to?y=two&x=1", method = "GET", headers = new Dictionary<string, string> { ["x-test"] = "abc" } },
        new { path = "/echo", method = "POST", headers = new Dictionary<string, string> { ["content-type"] = "text/plain", ["x-test"] = "post" }, body = "hello world" },
    ];

    [Fact]
    public async Task Corpus_scripts_answer_as_they_do_on_workerd()
    {
        var runner = await WorkerdRunner.PrepareAsync();
        await using var origin = await TestOrigin.StartAsync();
        origin.Fixed("/data", "origin data\n", ("Content-Type", "text/plain"), ("Cache-Control", "max-age=60"), ("X-Origin", "yes"), ("Set-Cookie", "s=1"));
        origin.Fixed("/json", "{\"a\":1,\"b\":[1,2,3]}", ("Content-Type", "application/json"));
        origin.Route("/redirect", (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "/data";
            return Task.CompletedTask;
        });
        var originUrl = origin.BaseUri.ToString().TrimEnd('/');
        var corpus = Path.Combine(AppContext.BaseDirectory, "Differential", "corpus");

        using var workerd = JsonDocument.Parse(await runner.RunAsync(corpus, originUrl, JsonSerializer.Serialize(Requests)));

        var failures = new List<string>();
        var scripts = Directory.GetFiles(corpus, "*.js").Order(StringComparer.Ordinal).ToArray();
        Assert.True(scripts.Length >= 30, $"The corpus has {scripts.Length} scripts; it should have at least 30.");
        foreach (var script in scripts)
        {
            var name = Path.GetFileName(script);
            var expected = workerd.RootElement.GetProperty(name).EnumerateArray().ToArray();
            await using var host = await JsWorkerHost.StartAsync(await File.ReadAllTextAsync(script), o => o.Variables["ORIGIN"] = originUrl, sharedOrigin: origin);
            for (var i = 0; i < Requests.Length; i++)
            {
                var actual = await SendAsync(host, (dynamic)Requests[i]);
                var difference = Compare(name, expected[i], actual);
                if (difference is not null)
                {
                    failures.Add($"{name} request {i}: {difference}");
                }
            }
        }

        output.WriteLine($"{scripts.Length} scripts x {Requests.Length} requests compared.");
        Assert.True(failures.Count == 0, $"{failures.Count} differences from workerd:\n" + string.Join("\n", failures));
    }

    private static async Task<(int Status, List<(string Name, string Value)> Headers, string Body)> SendAsync(JsWorkerHost host, dynamic request)
    {
        using var message = new HttpRequestMessage(new HttpMethod((string)request.method), (string)request.path);
        var body = ((object)request).GetType().GetProperty("body")?.GetValue(request) as string;
        if (body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        }

        foreach (var (name, value) in (Dictionary<string, string>)request.headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await host.Client.SendAsync(message);
        var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .SelectMany(h => h.Value.Select(v => (h.Key.ToLowerInvariant(), v)))
            .ToList();
        return ((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    private static string? Compare(string name, JsonElement expected, (int Status, List<(string Name, string Value)> Headers, string Body) actual)
    {
        var status = expected.GetProperty("status").GetInt32();
        if (status != actual.Status)
        {
            return $"status: workerd {status}, edgecache {actual.Status} ({actual.Body.Trim()})";
        }

        if (KnownDifferences.TryGetValue(name, out var known) && known == "status only")
        {
            return null;
        }

        var want = Normalize(expected.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString()!, h[1].GetString()!)));
        var got = Normalize(actual.Headers);
        if (want != got)
        {
            return $"headers:\n    workerd   {want}\n    edgecache {got}";
        }

        var body = expected.GetProperty("body").GetString();
        return body == actual.Body ? null : $"body:\n    workerd   {body}\n    edgecache {actual.Body}";
    }

    private static string Normalize(IEnumerable<(string Name, string Value)> headers)
        => string.Join("; ", headers.Where(h => !ServerHeaders.Contains(h.Name) && !h.Name.StartsWith("mf-", StringComparison.OrdinalIgnoreCase)).Select(h => $"{h.Name.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal));

    /// <summary>miniflare installed (npm ci, once per lock file) in a folder of its own under the temporary directory.</summary>
    private sealed class WorkerdRunner(string directory)
    {
        public static async Task<WorkerdRunner> PrepareAsync()
        {
            var source = Path.Combine(AppContext.BaseDirectory, "Differential");
            var lockFile = await File.ReadAllBytesAsync(Path.Combine(source, "package-lock.json"));
            var directory = Path.Combine(Path.GetTempPath(), "edgecache-differential-" + Convert.ToHexString(SHA256.HashData(lockFile))[..16].ToLowerInvariant());
            Directory.CreateDirectory(directory);
            foreach (var file in new[] { "package.json", "package-lock.json", "run-workerd.mjs" })
            {
                File.Copy(Path.Combine(source, file), Path.Combine(directory, file), overwrite: true);
            }

            if (!File.Exists(Path.Combine(directory, "node_modules", "miniflare", "package.json")))
            {
                var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0, $"npm ci of miniflare failed ({install.ExitCode}):\n{install.Stdout}\n{install.Stderr}");
            }

            return new WorkerdRunner(directory);
        }

        public async Task<string> RunAsync(string corpus, string origin, string requestsJson)
        {
            var requests = Path.Combine(directory, "requests.json");
            await File.WriteAllTextAsync(requests, requestsJson);
            var result = await RunAsync("node", [Path.Combine(directory, "run-workerd.mjs"), corpus, origin, requests], directory, TimeSpan.FromMinutes(5));
            Assert.True(result.ExitCode == 0 && !result.TimedOut, $"run-workerd.mjs failed ({result.ExitCode}):\n{result.Stderr}");
            return result.Stdout;
        }

        private static async Task<CommandResult> RunAsync(string file, string[] arguments, string directory, TimeSpan timeout)
        {
            var info = new System.Diagnostics.ProcessStartInfo(file) { WorkingDirectory = directory };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            try
            {
                return await CommandRunner.RunAsync(info, timeout);
            }
            catch (Win32Exception ex)
            {
                Assert.Fail($"The differential test runs Cloudflare's workerd through npm's miniflare and needs '{file}' on PATH ({ex.Message}). Install Node.js 20+ and npm; the test does not skip.");
                throw;
            }
        }
    }
}
