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

    [Fact]
    public async Task A_bypass_rule_sends_matching_paths_to_the_origin_every_time()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Name"] = "api",
            ["EdgeCache:Rules:0:Match:Path"] = "/api/**",
            ["EdgeCache:Rules:0:Action:Bypass"] = "true",
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/api/v1/items");
        var second = await GetAsync(server, "/api/v1/items");
        await GetAsync(server, "/page");
        var page = await GetAsync(server, "/page");

        Assert.Equal("BYPASS", second.CacheStatus);
        Assert.Equal(2, origin.Hits("/api/v1/items"));
        Assert.Equal("HIT", page.CacheStatus);
        Assert.Equal(1, origin.Hits("/page"));
    }

    [Fact]
    public async Task An_edge_ttl_overrides_the_origin_headers_and_the_client_still_gets_the_origin_cache_control()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/zero",
            ["EdgeCache:Rules:0:Action:EdgeTtl"] = "1h",
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/zero");
        var second = await GetAsync(server, "/zero");

        Assert.Equal("HIT", second.CacheStatus);
        Assert.Equal("zero v1", second.Body);
        Assert.Equal("max-age=0", second.Response.Headers.CacheControl!.ToString());
        Assert.False(second.Response.Headers.Contains("CDN-Cache-Control"));
    }

    [Fact]
    public async Task An_edge_ttl_never_stores_what_the_origin_marked_no_store_unless_the_rule_says_dangerously_so()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/nostore",
            ["EdgeCache:Rules:0:Action:EdgeTtl"] = "1h",
            ["EdgeCache:Rules:1:Match:Path"] = "/dangerous/**",
            ["EdgeCache:Rules:1:Action:EdgeTtl"] = "1h",
            ["EdgeCache:Rules:1:Action:DangerouslyCachePrivate"] = "true",
        });
        origin.Route("/dangerous/nostore", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            await ctx.Response.WriteAsync($"dangerous v{hit}");
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/nostore");
        var second = await GetAsync(server, "/nostore");
        await GetAsync(server, "/dangerous/nostore");
        var opted = await GetAsync(server, "/dangerous/nostore");

        Assert.NotEqual("HIT", second.CacheStatus);
        Assert.Equal("nostore v2", second.Body);
        Assert.Equal("HIT", opted.CacheStatus);
        Assert.Equal("dangerous v1", opted.Body);
    }

    [Fact]
    public async Task An_edge_ttl_that_respects_the_origin_applies_only_when_the_origin_sent_no_policy()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/**",
            ["EdgeCache:Rules:0:Action:EdgeTtl"] = "600",
            ["EdgeCache:Rules:0:Action:OriginHeaders"] = "respect",
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/zero");
        await GetAsync(server, "/zero");
        await GetAsync(server, "/bare");
        var bare = await GetAsync(server, "/bare");

        Assert.Equal(2, origin.Hits("/zero"));
        Assert.Equal("HIT", bare.CacheStatus);
        Assert.Equal(1, origin.Hits("/bare"));
    }

    [Fact]
    public async Task Edge_ttl_by_status_caches_a_404_and_never_a_500()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/**",
            ["EdgeCache:Rules:0:Action:EdgeTtlByStatus:404"] = "60",
            ["EdgeCache:Rules:0:Action:EdgeTtlByStatus:500-599"] = "-1",
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/gone");
        var gone = await GetAsync(server, "/gone");
        await GetAsync(server, "/broken");
        await GetAsync(server, "/broken");

        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal("HIT", gone.CacheStatus);
        Assert.Equal(2, origin.Hits("/broken"));
    }

    [Fact]
    public async Task A_browser_ttl_rewrites_cache_control_for_clients_while_the_edge_keeps_the_origin_policy()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Extensions:0"] = "css",
            ["EdgeCache:Rules:0:Action:BrowserTtl"] = "30s",
        });
        await using var _ = origin;
        await using var __ = server;

        var miss = await GetAsync(server, "/site.css");
        var hit = await GetAsync(server, "/site.css");

        Assert.Equal("max-age=30", miss.Response.Headers.CacheControl!.ToString());
        Assert.Equal("max-age=30", hit.Response.Headers.CacheControl!.ToString());
        Assert.Equal("HIT", hit.CacheStatus);
    }

    [Fact]
    public async Task A_custom_cache_key_drops_tracking_parameters_and_sorts_the_query()
    {
        var (origin, server) = await StartAsync(new()
        {
            ["EdgeCache:Rules:0:Match:Path"] = "/p",
            ["EdgeCache:Rules:0:Action:CacheKey:ExcludeQuery:0"] = "utm_source",
            ["EdgeCache:Rules:0:Action:CacheKey:SortQuery"] = "true",
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/p?b=2&a=1&utm_source=mail");
        var same = await GetAsync(server, "/p?a=1&b=2");
        await GetAsync(server, "/p?a=1&b=3");

        Assert.Equal("HIT", same.CacheStatus);
        Assert.Equal(2, origin.Hits("/p"));
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
    public async Task A_later_rule_overrides_an_earlier_one()
    {
        var (origin, server) = await StartAsync(new()
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
        });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/zero");
        await GetAsync(server, "/account/settings");
        await GetAsync(server, "/account/avatar.png");

        Assert.Equal("HIT", (await GetAsync(server, "/zero")).CacheStatus);
        Assert.Equal("BYPASS", (await GetAsync(server, "/account/settings")).CacheStatus);
        Assert.Equal("HIT", (await GetAsync(server, "/account/avatar.png")).CacheStatus);
    }

    [Fact]
    public async Task With_default_extensions_only_html_is_bypassed_and_css_is_cached()
    {
        var (origin, server) = await StartAsync(new() { ["EdgeCache:CacheDefaultExtensionsOnly"] = "true" });
        await using var _ = origin;
        await using var __ = server;

        await GetAsync(server, "/index.html");
        await GetAsync(server, "/app.css");

        Assert.Equal("BYPASS", (await GetAsync(server, "/index.html")).CacheStatus);
        Assert.Equal("HIT", (await GetAsync(server, "/app.css")).CacheStatus);
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
            ],
            defaultExtensionsOnly: false,
            errors);

        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:1 ('bad ttl'): Action.EdgeTtl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:2: Match.Path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:2: Match.Methods", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:3 ('status'): Action.EdgeTtlByStatus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:3 ('status'): Action.OriginHeaders", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:4 ('both'): Action.Bypass", StringComparison.Ordinal));
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
                    await Task.Delay(50);
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
}
