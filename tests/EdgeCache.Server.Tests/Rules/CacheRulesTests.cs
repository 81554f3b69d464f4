using System.Net;
using EdgeCache.Server.Hosting;
using EdgeCache.Server.Rules;
using EdgeCache.Server.Settings;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests.Rules;

public sealed class CacheRulesTests
{
    private static async Task<(TestOrigin Origin, InProcessServer Server)> StartAsync(Dictionary<string, string?> rules)
    {
        var origin = await TestOrigin.StartAsync();
        origin.Route("/nostore", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            await ctx.Response.WriteAsync($"nostore v{hit}");
        });
        origin.Route("/zero", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=0";
            await ctx.Response.WriteAsync($"zero v{hit}");
        });
        origin.Route("/bare", (ctx, hit) => ctx.Response.WriteAsync($"bare v{hit}"));
        origin.Route("/dangerous/nostore", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            await ctx.Response.WriteAsync($"dangerous v{hit}");
        });
        origin.Route("/gone", async (ctx, hit) =>
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync($"gone v{hit}");
        });
        origin.Route("/broken", async (ctx, hit) =>
        {
            ctx.Response.StatusCode = 500;
            ctx.Response.Headers.CacheControl = "public, max-age=60";
            await ctx.Response.WriteAsync($"broken v{hit}");
        });

        var settings = new Dictionary<string, string?>(rules) { ["Origin"] = origin.BaseUri.ToString(), ["Handler"] = "proxy" };
        var server = await InProcessServer.StartAsync(settings);
        return (origin, server);
    }

    private static async Task<(HttpStatusCode Status, string? CacheStatus, string Body, HttpResponseMessage Response)> GetAsync(InProcessServer server, string path)
    {
        var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        await server.DrainAsync(); // the cache write has finished
        return (response.StatusCode, response.Headers.TryGetValues("cf-cache-status", out var v) ? v.Single() : null, body, response);
    }

    /// <summary>
    /// One request of a case and what its answer must show: the <c>cf-cache-status</c> (<c>"!HIT"</c>: anything
    /// but a hit), and, when given, the body, the status code, the <c>Cache-Control</c> and a field that must be absent.
    /// </summary>
    public sealed record Step(string Path, string? CacheStatus = null, string? Body = null, HttpStatusCode? Code = null, string? CacheControl = null, string? Absent = null);

    /// <summary>A rule set, the requests sent through it in order, and how often the origin was asked per path at the end.</summary>
    public sealed record RuleCase(Dictionary<string, string?> Settings, Step[] Steps, (string Path, int Hits)[] OriginHits);

    private static readonly Dictionary<string, RuleCase> Cases = new(StringComparer.Ordinal)
    {
        ["A bypass rule sends matching paths to the origin every time"] = new(
            new() { ["EdgeCache:Rules:0:Name"] = "api", ["EdgeCache:Rules:0:Match:Path"] = "/api/**", ["EdgeCache:Rules:0:Action:Bypass"] = "true" },
            [new("/api/v1/items"), new("/api/v1/items", "BYPASS"), new("/page"), new("/page", "HIT")],
            [("/api/v1/items", 2), ("/page", 1)]),
        ["An edge TTL overrides the origin headers and the client still gets the origin Cache-Control"] = new(
            new() { ["EdgeCache:Rules:0:Match:Path"] = "/zero", ["EdgeCache:Rules:0:Action:EdgeTtl"] = "1h" },
            [new("/zero"), new("/zero", "HIT", Body: "zero v1", CacheControl: "max-age=0", Absent: "CDN-Cache-Control")],
            [("/zero", 1)]),
        ["An edge TTL never stores what the origin marked no-store unless the rule says dangerously so"] = new(
            new()
            {
                ["EdgeCache:Rules:0:Match:Path"] = "/nostore",
                ["EdgeCache:Rules:0:Action:EdgeTtl"] = "1h",
                ["EdgeCache:Rules:1:Match:Path"] = "/dangerous/**",
                ["EdgeCache:Rules:1:Action:EdgeTtl"] = "1h",
                ["EdgeCache:Rules:1:Action:DangerouslyCachePrivate"] = "true",
            },
            [new("/nostore"), new("/nostore", "!HIT", Body: "nostore v2"), new("/dangerous/nostore"), new("/dangerous/nostore", "HIT", Body: "dangerous v1")],
            [("/nostore", 2), ("/dangerous/nostore", 1)]),
        ["An edge TTL that respects the origin applies only when the origin sent no policy"] = new(
            new() { ["EdgeCache:Rules:0:Match:Path"] = "/**", ["EdgeCache:Rules:0:Action:EdgeTtl"] = "600", ["EdgeCache:Rules:0:Action:OriginHeaders"] = "respect" },
            [new("/zero"), new("/zero"), new("/bare"), new("/bare", "HIT")],
            [("/zero", 2), ("/bare", 1)]),
        ["Edge TTL by status caches a 404 and never a 500"] = new(
            new() { ["EdgeCache:Rules:0:Match:Path"] = "/**", ["EdgeCache:Rules:0:Action:EdgeTtlByStatus:404"] = "60", ["EdgeCache:Rules:0:Action:EdgeTtlByStatus:500-599"] = "-1" },
            [new("/gone"), new("/gone", "HIT", Code: HttpStatusCode.NotFound), new("/broken"), new("/broken")],
            [("/gone", 1), ("/broken", 2)]),
        ["A browser TTL rewrites Cache-Control for clients while the edge keeps the origin policy"] = new(
            new() { ["EdgeCache:Rules:0:Match:Extensions:0"] = "css", ["EdgeCache:Rules:0:Action:BrowserTtl"] = "30s" },
            [new("/site.css", CacheControl: "max-age=30"), new("/site.css", "HIT", CacheControl: "max-age=30")],
            [("/site.css", 1)]),
        ["A custom cache key drops tracking parameters and sorts the query"] = new(
            new() { ["EdgeCache:Rules:0:Match:Path"] = "/p", ["EdgeCache:Rules:0:Action:CacheKey:ExcludeQuery:0"] = "utm_source", ["EdgeCache:Rules:0:Action:CacheKey:SortQuery"] = "true" },
            [new("/p?b=2&a=1&utm_source=mail"), new("/p?a=1&b=2", "HIT"), new("/p?a=1&b=3")],
            [("/p", 2)]),
        ["A later rule overrides an earlier one"] = new(
            new()
            {
                ["EdgeCache:Rules:0:Name"] = "cache everything",
                ["EdgeCache:Rules:0:Match:Path"] = "/**",
                ["EdgeCache:Rules:0:Action:EdgeTtl"] = "1h",
                ["EdgeCache:Rules:1:Name"] = "but not accounts",
                ["EdgeCache:Rules:1:Match:Path"] = "/account/**",
                ["EdgeCache:Rules:1:Action:Bypass"] = "true",
                ["EdgeCache:Rules:2:Name"] = "except the public avatar",
                ["EdgeCache:Rules:2:Match:Path"] = "/account/avatar.png",
                ["EdgeCache:Rules:2:Action:EdgeTtl"] = "10m",
            },
            [new("/zero"), new("/account/settings"), new("/account/avatar.png"), new("/zero", "HIT"), new("/account/settings", "BYPASS"), new("/account/avatar.png", "HIT")],
            [("/zero", 1), ("/account/settings", 2), ("/account/avatar.png", 1)]),
        ["With default extensions only HTML is bypassed and CSS is cached"] = new(
            new() { ["EdgeCache:CacheDefaultExtensionsOnly"] = "true" },
            [new("/index.html"), new("/app.css"), new("/index.html", "BYPASS"), new("/app.css", "HIT")],
            [("/index.html", 2), ("/app.css", 1)]),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_rule_set_answers_each_request_as_its_case_says(string name)
    {
        var (settings, steps, originHits) = Cases[name];
        var (origin, server) = await StartAsync(settings);
        await using var _ = origin;
        await using var __ = server;

        foreach (var step in steps)
        {
            var answer = await GetAsync(server, step.Path);
            var at = $"{name}: GET {step.Path}";
            if (step.CacheStatus is "!HIT")
            {
                Assert.True(answer.CacheStatus != "HIT", $"{at} was a hit");
            }
            else if (step.CacheStatus is not null)
            {
                Assert.True(step.CacheStatus == answer.CacheStatus, $"{at}: cf-cache-status {answer.CacheStatus}, expected {step.CacheStatus}");
            }

            Assert.True(step.Body is null || step.Body == answer.Body, $"{at}: body '{answer.Body}', expected '{step.Body}'");
            Assert.True(step.Code is null || step.Code == answer.Status, $"{at}: status {answer.Status}, expected {step.Code}");
            Assert.True(step.CacheControl is null || step.CacheControl == answer.Response.Headers.CacheControl?.ToString(), $"{at}: Cache-Control '{answer.Response.Headers.CacheControl}', expected '{step.CacheControl}'");
            Assert.True(step.Absent is null || !answer.Response.Headers.Contains(step.Absent), $"{at}: {step.Absent} is present");
        }

        foreach (var (path, hits) in originHits)
        {
            Assert.True(hits == origin.Hits(path), $"{name}: the origin answered {path} {origin.Hits(path)} times, expected {hits}");
        }
    }

    [Fact]
    public async Task Tags_from_a_rule_make_entries_purgeable_by_tag()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/docs/**",
            ["EdgeCache:Rules:0:Action:Tags:0"] = "docs",
        });
        await using var _ = origin;
        await using var __ = server;
        await GetAsync(server, "/docs/a");
        Assert.Equal("HIT", (await GetAsync(server, "/docs/a")).CacheStatus);

        var purged = await server.App.Services.GetRequiredService<ICacheStore>().PurgeAsync(new PurgeRequest(PurgeKind.Tag, "docs"));

        Assert.True(purged >= 1);
        Assert.NotEqual("HIT", (await GetAsync(server, "/docs/a")).CacheStatus);
        Assert.Equal(2, origin.Hits("/docs/a"));
    }

    [Fact]
    public void Invalid_rules_are_refused_at_startup_naming_the_rule_and_the_field()
    {
        var errors = new List<string>();
        CacheRuleSet.Compile(
            [
                new CacheRuleSettings { Name = "ok", Match = { Path = "/a/**" }, Action = { EdgeTtl = "2h" } },
                new CacheRuleSettings { Name = "bad ttl", Action = { EdgeTtl = "soon" } },
                new CacheRuleSettings { Match = { Path = "no-slash", Methods = ["FETCH"] } },
                new CacheRuleSettings { Name = "status", Action = { EdgeTtlByStatus = new() { ["2xx"] = 1 }, OriginHeaders = "ignore" } },
                new CacheRuleSettings { Name = "both", Action = { Bypass = true, EdgeTtl = "1m" } },
                new CacheRuleSettings { Name = "huge", Action = { EdgeTtl = "9999999999999999d" } },
            ],
            defaultExtensionsOnly: false,
            errors);

        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:1 ('bad ttl'): Action.EdgeTtl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:2: Match.Path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:2: Match.Methods", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:3 ('status'): Action.EdgeTtlByStatus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:3 ('status'): Action.OriginHeaders", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:4 ('both'): Action.Bypass", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:5 ('huge'): Action.EdgeTtl", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("Rules:0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_server_refuses_to_start_with_an_invalid_rule()
    {
        var ex = await Assert.ThrowsAsync<SettingsException>(() => InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = "http://127.0.0.1:1",
            ["EdgeCache:Rules:0:Action:BrowserTtl"] = "tomorrow",
        }));
        Assert.Contains("EdgeCache:Rules:0: Action.BrowserTtl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_complete_example_of_docs_rules_md_works_as_documented()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "rules.md"));
        var start = doc.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var json = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        var file = Path.Combine(Path.GetTempPath(), $"edgecache-rules-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        await using var origin = await TestOrigin.StartAsync();
        try
        {
            var values = new Dictionary<string, string?>
            {
                ["EdgeCache:Origin"] = origin.BaseUri.ToString(),
                ["EdgeCache:Listen"] = "http://127.0.0.1:0",
                ["EdgeCache:Store"] = "memory",
                ["EdgeCache:AdminListen"] = "none",
            };
            var app = EdgeCacheServer.Build([], c => c.AddJsonFile(file).AddInMemoryCollection(values));
            await app.StartAsync();
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri(EdgeCacheServer.Addresses(app).First()) };
                async Task<HttpResponseMessage> Get(string path)
                {
                    var response = await client.GetAsync(path);
                    await response.Content.ReadAsStringAsync();
                    await app.Services.GetRequiredService<EdgeCache.AspNetCore.Hosting.WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
                    return response;
                }

                await Get("/api/items");
                Assert.Equal("BYPASS", (await Get("/api/items")).Headers.GetValues("cf-cache-status").Single());

                await Get("/site.css");
                var css = await Get("/site.css");
                Assert.Equal("HIT", css.Headers.GetValues("cf-cache-status").Single());
                Assert.Equal("max-age=604800", css.Headers.CacheControl!.ToString());

                await Get("/page?utm_source=mail&b=2&a=1");
                Assert.Equal("HIT", (await Get("/page?a=1&b=2")).Headers.GetValues("cf-cache-status").Single());
                Assert.Equal(1, origin.Hits("/page"));
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("/static/**", "/static/a/b/c.js", true)]
    [InlineData("/static/*", "/static/a/b.js", false)]
    [InlineData("/static/*.js", "/static/app.js", true)]
    [InlineData("/img/?.png", "/img/a.png", true)]
    [InlineData("/exact", "/exact/more", false)]
    public void Path_globs_match_by_segment(string glob, string path, bool matches)
        => Assert.Equal(matches, CacheRule.CompileGlob(glob).IsMatch(path));

    [Fact]
    public void A_long_path_against_a_glob_of_many_stars_is_answered_without_a_match_timeout()
    {
        // A backtracking regex takes polynomial time here (each ** a .*) and hit its match timeout: an attacker's
        // long URL turned into an exception on the request path.
        var glob = CacheRule.CompileGlob("/**a**a**a**a**a**a**a**b");
        var path = "/" + new string('a', 20_000);

        Assert.DoesNotMatch(glob, path);
        Assert.Matches(glob, path + "b");
    }
}
