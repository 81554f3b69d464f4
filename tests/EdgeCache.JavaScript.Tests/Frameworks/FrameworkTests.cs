using System.ComponentModel;
using System.Net;
using System.Security.Cryptography;
using EdgeCache.Testing;

namespace EdgeCache.JavaScript.Tests.Frameworks;

/// <summary>
/// A Hono app (<c>Frameworks/hono-app.js</c>), bundled into one ES module by esbuild exactly as for a Workers
/// deployment, runs unmodified and answers its routes. hono and esbuild are pinned in
/// <c>Frameworks/package-lock.json</c> and installed by the test (npm ci, once per lock file); without node
/// and npm on PATH the test fails, it does not skip.
/// </summary>
public sealed class FrameworkTests
{
    [Fact]
    public async Task A_bundled_Hono_app_answers_its_routes()
    {
        var bundle = await BundleAsync("hono-app.js");
        await using var host = await JsWorkerHost.StartAsync(bundle, o => o.Variables["GREETING"] = "hi");

        Assert.Equal("Hello Hono!", await host.Client.GetStringAsync("/"));

        using var user = await host.Client.GetAsync("/users/42?q=search");
        Assert.Equal("{\"id\":\"42\",\"q\":\"search\"}", await user.Content.ReadAsStringAsync());
        Assert.Equal("hono-on-edgecache", user.Headers.GetValues("x-powered-by").Single());

        using var echo = await host.Client.PostAsync("/echo", new StringContent("{\"n\":1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, echo.StatusCode);
        Assert.Equal("{\"received\":{\"n\":1}}", await echo.Content.ReadAsStringAsync());

        using var cookie = await host.Client.GetAsync("/cookie");
        Assert.Equal("visited=yes; Path=/; HttpOnly", cookie.Headers.GetValues("set-cookie").Single());
        using var again = new HttpRequestMessage(HttpMethod.Get, "/cookie") { Headers = { { "Cookie", "visited=yes" } } };
        using var seen = await host.Client.SendAsync(again);
        Assert.Equal("seen before: yes", await seen.Content.ReadAsStringAsync());

        using var html = await host.Client.GetAsync("/html");
        Assert.StartsWith("text/html", html.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);

        using var redirect = await host.Client.GetAsync("/redirect");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("/users/7", redirect.Headers.Location!.OriginalString);

        Assert.Equal("greeting=hi", await host.Client.GetStringAsync("/env"));

        using var boom = await host.Client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.Equal("{\"error\":\"route failed\"}", await boom.Content.ReadAsStringAsync());

        using var missing = await host.Client.GetAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("{\"missing\":\"/nowhere\"}", await missing.Content.ReadAsStringAsync());
    }

    private static async Task<string> BundleAsync(string entry)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Frameworks");
        var lockFile = await File.ReadAllBytesAsync(Path.Combine(source, "package-lock.json"));
        var directory = Path.Combine(Path.GetTempPath(), "edgecache-frameworks-" + Convert.ToHexString(SHA256.HashData(lockFile))[..16].ToLowerInvariant());
        Directory.CreateDirectory(directory);
        foreach (var file in new[] { "package.json", "package-lock.json", entry })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(directory, file), overwrite: true);
        }

        if (!File.Exists(Path.Combine(directory, "node_modules", "hono", "package.json")))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory);
            Assert.True(install.ExitCode == 0, $"npm ci failed ({install.ExitCode}):\n{install.Stdout}\n{install.Stderr}");
        }

        var output = Path.Combine(directory, "bundle.js");
        var bundle = await RunAsync(Path.Combine(directory, "node_modules", ".bin", "esbuild"), [entry, "--bundle", "--format=esm", "--target=es2022", "--outfile=" + output], directory);
        Assert.True(bundle.ExitCode == 0, $"esbuild failed ({bundle.ExitCode}):\n{bundle.Stderr}");
        return await File.ReadAllTextAsync(output);
    }

    private static async Task<CommandResult> RunAsync(string file, string[] arguments, string directory)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return await CommandRunner.RunAsync(info, TimeSpan.FromMinutes(5));
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"This test bundles a Hono app with npm packages and needs '{file}' (Node.js 20+ and npm on PATH): {ex.Message}. The test does not skip.");
            throw;
        }
    }
}
