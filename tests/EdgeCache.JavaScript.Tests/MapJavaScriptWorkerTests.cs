using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.JavaScript.Tests;

/// <summary>The worker model through a real Kestrel and a real origin: syntaxes, env, errors, limits, fetch and caches.</summary>
public sealed class MapJavaScriptWorkerTests
{
    [Fact]
    public async Task An_ES_module_gets_env_and_keeps_module_state_across_requests()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            let count = 0;
            export default {
              async fetch(request, env, ctx) {
                count++;
                return new Response(`${env.GREETING} ${count}`);
              },
            };
            """, o => o.Variables["GREETING"] = "hi");

        Assert.Equal("hi 1", await host.Client.GetStringAsync("/"));
        Assert.Equal("hi 2", await host.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_service_worker_sees_its_variables_as_globals()
    {
        await using var host = await JsWorkerHost.StartAsync(
            "addEventListener('fetch', e => e.respondWith(new Response(typeof API_KEY + ':' + API_KEY)));",
            o => o.Variables["API_KEY"] = "secret");

        Assert.Equal("string:secret", await host.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_listener_that_does_not_respond_lets_the_request_through_to_the_origin()
    {
        await using var host = await JsWorkerHost.StartAsync("addEventListener('fetch', e => { /* observes only */ });");
        host.Origin.Fixed("/page", "from origin");

        Assert.Equal("from origin", await host.Client.GetStringAsync("/page"));
        Assert.Equal(1, host.Origin.Hits("/page"));
    }

    [Fact]
    public async Task An_uncaught_exception_answers_a_short_500_and_logs_the_JavaScript_stack()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            function explode() { throw new RangeError('kaboom'); }
            export default { async fetch() { await null; explode(); } };
            """);

        using var response = await host.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("kaboom", body, StringComparison.Ordinal);
        Assert.Contains("RangeError: kaboom", host.Logs.Text, StringComparison.Ordinal);
        Assert.Contains("explode", host.Logs.Text, StringComparison.Ordinal);
        Assert.Contains("worker.js:1:", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_passThroughOnException_a_throwing_worker_answers_with_the_origin_response()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            addEventListener('fetch', event => {
              event.passThroughOnException();
              event.respondWith((async () => { throw new Error('broken'); })());
            });
            """);
        host.Origin.Fixed("/a", "origin body");

        using var response = await host.Client.GetAsync("/a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("origin body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_response_that_is_not_a_Response_fails_with_500()
    {
        await using var host = await JsWorkerHost.StartAsync("addEventListener('fetch', e => e.respondWith('just a string'));");

        using var response = await host.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("did not resolve to 'Response'", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_loop_is_stopped_by_the_CPU_limit_and_other_requests_are_served()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                if (new URL(request.url).pathname === '/spin') { try { while (true) {} } catch (e) { return new Response('caught'); } }
                return new Response('fine');
              },
            };
            """, o => o.CpuLimit = TimeSpan.FromMilliseconds(200));

        var spin = host.Client.GetAsync("/spin");
        var other = host.Client.GetStringAsync("/other");

        using var spun = await spin;
        Assert.Equal(HttpStatusCode.InternalServerError, spun.StatusCode);
        Assert.Equal("fine", await other);
        Assert.Equal("fine", await host.Client.GetStringAsync("/after"));
        Assert.Contains("CPU time limit", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unbounded_recursion_is_a_RangeError_not_a_crash_and_other_requests_are_served()
    {
        // Before the recursion limit a script recursing without end overflowed the engine thread's stack,
        // which .NET cannot catch: the whole server process died.
        await using var host = await JsWorkerHost.StartAsync("""
            const down = (n) => down(n + 1) + 1;
            const deep = (n) => (n === 0 ? 0 : deep(n - 1) + 1);
            export default {
              async fetch(request) {
                const path = new URL(request.url).pathname;
                if (path === '/caught') { try { down(0); } catch (e) { return new Response(`${e.name}: ${e instanceof RangeError}`); } }
                if (path === '/uncaught') return new Response(String(down(0)));
                return new Response(String(deep(2000)));
              },
            };
            """);

        Assert.Equal("RangeError: true", await host.Client.GetStringAsync("/caught"));
        using var uncaught = await host.Client.GetAsync("/uncaught");
        Assert.Equal(HttpStatusCode.InternalServerError, uncaught.StatusCode);
        Assert.Equal("2000", await host.Client.GetStringAsync("/deep"));
        Assert.Contains("Maximum call stack size exceeded", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CPU_limit_counts_every_turn_of_a_request_not_each_turn_alone()
    {
        // /long burns at most 30 ms per slice and then waits on I/O (a fetch to the origin), forever: no single
        // turn comes near the 200 ms limit, so only a limit on the sum of its turns ever stops it.
        await using var host = await JsWorkerHost.StartAsync("""
            const burn = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
            export default {
              async fetch(request) {
                const path = new URL(request.url).pathname;
                for (let i = 0; path === '/long' || i < 1; i++) { burn(30); await (await fetch(new URL('/tick', request.url))).text(); }
                return new Response('done');
              },
            };
            """, o => o.CpuLimit = TimeSpan.FromMilliseconds(200));
        host.Origin.Fixed("/tick", "t");

        using var longRequest = await host.Client.GetAsync("/long");
        var shortRequest = await host.Client.GetStringAsync("/short");

        Assert.Equal(HttpStatusCode.InternalServerError, longRequest.StatusCode);
        Assert.Equal("done", shortRequest);
        Assert.True(host.Origin.Hits("/tick") >= 3, $"the long request stopped after {host.Origin.Hits("/tick") - 1} slices");
        Assert.Contains("CPU time limit (200 ms for one request)", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allocation_bomb_is_stopped_by_the_memory_limit_and_other_requests_are_served()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                if (new URL(request.url).pathname === '/bomb') {
                  const hoard = [];
                  try { for (;;) hoard.push(new Array(100000).fill(hoard.length)); } catch (e) { return new Response('caught'); }
                }
                return new Response('fine');
              },
            };
            """, o =>
            {
                o.MemoryLimit = 64L * 1024 * 1024;
                o.CpuLimit = TimeSpan.FromSeconds(30);
            });

        var bomb = host.Client.GetAsync("/bomb");
        var other = host.Client.GetStringAsync("/other");

        using var bombed = await bomb;
        Assert.Equal(HttpStatusCode.InternalServerError, bombed.StatusCode);
        Assert.Equal("fine", await other);
        Assert.Equal("fine", await host.Client.GetStringAsync("/after"));
        Assert.Contains("memory limit (67108864 bytes allocated in one turn)", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_huge_array_is_refused_before_it_is_allocated()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch() {
                try { new Array(1e9).fill(0); return new Response('allocated'); } catch (e) { return new Response(e.name); }
              },
            };
            """, o => o.CpuLimit = TimeSpan.FromSeconds(30));

        using var response = await host.Client.GetAsync("/");

        Assert.NotEqual("allocated", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Console_output_goes_to_the_log()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            addEventListener('fetch', e => { console.warn('careful', { n: 1 }); e.respondWith(new Response('ok')); });
            """);

        await host.Client.GetStringAsync("/");

        Assert.True(await host.Logs.WaitForConsoleAsync(Microsoft.Extensions.Logging.LogLevel.Warning, "careful { n: 1 }"), host.Logs.Text);
    }

    [Fact]
    public async Task A_console_line_of_one_string_is_logged_as_it_is_and_the_methods_keep_their_names()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            addEventListener('fetch', e => {
              console.log('{ not: "inspected" }');
              console.error();
              e.respondWith(new Response([console.log.name, console.error.name, typeof console.info].join(' ')));
            });
            """);

        Assert.Equal("log error function", await host.Client.GetStringAsync("/"));
        Assert.True(await host.Logs.WaitForConsoleAsync(Microsoft.Extensions.Logging.LogLevel.Information, "{ not: \"inspected\" }"), host.Logs.Text);
        Assert.True(await host.Logs.WaitForConsoleAsync(Microsoft.Extensions.Logging.LogLevel.Error, string.Empty), host.Logs.Text);
    }

    [Fact]
    public async Task The_request_body_streams_to_the_origin_through_fetch()
    {
        await using var host = await JsWorkerHost.StartAsync("export default { fetch(request) { return fetch(request); } };");
        host.Origin.Route("/echo", async (ctx, _) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var text = await reader.ReadToEndAsync();
            await ctx.Response.WriteAsync($"{ctx.Request.Method} {text.Length}");
        });

        using var response = await host.Client.PostAsync("/echo", new StringContent(new string('x', 100_000)));

        Assert.Equal("POST 100000", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fetch_with_cf_cacheTtl_stores_the_origin_response_and_answers_the_next_request_from_the_cache()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const response = await fetch(request.url, { cf: { cacheTtl: 60, cacheEverything: true } });
                return new Response(response.body, response);
              },
            };
            """);
        host.Origin.Route("/data", async (ctx, n) => await ctx.Response.WriteAsync("v" + n));

        using var first = await host.Client.GetAsync("/data");
        using var second = await host.Client.GetAsync("/data");

        Assert.Equal("v1", await first.Content.ReadAsStringAsync());
        Assert.Equal("v1", await second.Content.ReadAsStringAsync());
        Assert.Equal("HIT", second.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal(1, host.Origin.Hits("/data"));
    }

    [Fact]
    public async Task An_uncaught_fetch_to_an_origin_that_is_down_answers_502()
    {
        await using var host = await JsWorkerHost.StartAsync("export default { fetch(request) { return fetch(request); } };");
        await host.Origin.StopAsync();

        using var response = await host.Client.GetAsync("/a");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("Network connection lost", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_follows_redirects_unless_told_not_to()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const url = new URL(request.url);
                const followed = await fetch(url.origin + '/from');
                const manual = await fetch(url.origin + '/from', { redirect: 'manual' });
                return Response.json([followed.status, followed.redirected, await followed.text(), manual.status]);
              },
            };
            """);
        host.Origin.Route("/from", (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "/to";
            return Task.CompletedTask;
        });
        host.Origin.Fixed("/to", "arrived");

        Assert.Equal("[200,true,\"arrived\",302]", await host.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task Headers_of_a_fetched_response_are_immutable_until_copied()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const response = await fetch(request);
                let error = 'none';
                try { response.headers.set('x-added', '1'); } catch (e) { error = e.constructor.name; }
                const copy = new Response(response.body, response);
                copy.headers.set('x-added', error);
                return copy;
              },
            };
            """);

        using var response = await host.Client.GetAsync("/p");

        Assert.Equal("TypeError", response.Headers.GetValues("x-added").Single());
        Assert.Equal("/p v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Named_caches_are_separate_from_the_default_cache_and_from_each_other()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const key = 'https://cache.test/k';
                const a = await caches.open('a');
                await a.put(key, new Response('in a', { headers: { 'cache-control': 'max-age=60' } }));
                const fromA = await a.match(key);
                const fromB = await (await caches.open('b')).match(key);
                const fromDefault = await caches.default.match(key);
                const deleted = await a.delete(key);
                return Response.json([await fromA.text(), fromB === undefined, fromDefault === undefined, deleted, (await a.match(key)) === undefined]);
              },
            };
            """);

        Assert.Equal("[\"in a\",true,true,true,true]", await host.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task Cache_put_refuses_what_Workers_refuses()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch() {
                const tries = [
                  () => caches.default.put(new Request('https://c.test/', { method: 'POST', body: 'x' }), new Response('x')),
                  () => caches.default.put('https://c.test/', new Response('x', { status: 206 })),
                  () => caches.default.put('https://c.test/', new Response('x', { headers: { vary: '*' } })),
                ];
                const results = [];
                for (const t of tries) { try { await t(); results.push('stored'); } catch (e) { results.push(e.constructor.name); } }
                return Response.json(results);
              },
            };
            """);

        Assert.Equal("[\"TypeError\",\"TypeError\",\"TypeError\"]", await host.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_body_passed_on_untouched_streams_past_the_read_limit_but_reading_it_whole_is_refused()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const response = await fetch(request);
                if (new URL(request.url).pathname === '/read') return new Response((await response.text()).length);
                return new Response(response.body, response);
              },
            };
            """, o => o.MaxBufferedBodySize = 1024);
        var big = new string('b', 64 * 1024);
        host.Origin.Fixed("/pass", big);
        host.Origin.Fixed("/read", big);

        Assert.Equal(big, await host.Client.GetStringAsync("/pass"));
        using var read = await host.Client.GetAsync("/read");
        Assert.Equal(HttpStatusCode.InternalServerError, read.StatusCode);
        Assert.Contains("larger than 1024 bytes", host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitUntil_work_finishes_after_the_response_is_sent()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request, env, ctx) {
                const key = 'https://wait.test/x';
                if (new URL(request.url).pathname === '/check') {
                  const hit = await caches.default.match(key);
                  return new Response(hit ? await hit.text() : 'missing');
                }
                ctx.waitUntil(new Promise(resolve => setTimeout(resolve, 50))
                  .then(() => caches.default.put(key, new Response('stored later', { headers: { 'cache-control': 'max-age=60' } }))));
                return new Response('sent');
              },
            };
            """);

        Assert.Equal("sent", await host.Client.GetStringAsync("/"));
        var tracker = host.App.Services.GetService(typeof(EdgeCache.AspNetCore.Hosting.WaitUntilTracker)) as EdgeCache.AspNetCore.Hosting.WaitUntilTracker;
        using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tracker!.DrainAsync(drained.Token);
        Assert.Equal("stored later", await host.Client.GetStringAsync("/check"));
    }

    [Fact]
    public async Task WaitUntil_work_that_never_settles_is_abandoned_after_the_timeout()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request, env, ctx) {
                ctx.waitUntil(new Promise(() => {}));
                return new Response('sent');
              },
            };
            """, o => o.WaitUntilTimeout = TimeSpan.FromMilliseconds(200));

        Assert.Equal("sent", await host.Client.GetStringAsync("/"));
        var tracker = (EdgeCache.AspNetCore.Hosting.WaitUntilTracker)host.App.Services.GetService(typeof(EdgeCache.AspNetCore.Hosting.WaitUntilTracker))!;
        using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await tracker.DrainAsync(drained.Token);
        Assert.Equal(0, tracker.Pending);
    }

    [Fact]
    public async Task Many_requests_in_flight_interleave_on_one_engine()
    {
        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                const response = await fetch(request);
                return new Response(await response.text());
              },
            };
            """);
        host.Origin.Route("/slow", async (ctx, n) =>
        {
            await Task.Delay(100);
            await ctx.Response.WriteAsync("done");
        });

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.Client.GetStringAsync("/slow")));

        Assert.All(all, body => Assert.Equal("done", body));
        Assert.Equal(20, host.Origin.Hits("/slow"));
    }

    [Theory]
    [InlineData("export default { fetch( {", "SyntaxError")]
    [InlineData("addEventListener('fetch', e => e.respondWith(new Response('x'))", "SyntaxError")]
    [InlineData("export default { notFetch() {} };", "no fetch method")]
    [InlineData("throw new Error('at load');", "at load")]
    public async Task A_script_that_cannot_load_is_refused_at_start_up(string script, string expected)
    {
        var error = await JsWorkerHost.LoadFailureAsync(script);

        var load = Assert.IsType<JavaScriptWorkerLoadException>(error);
        Assert.Contains(expected, load.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_syntax_error_names_file_line_and_column()
    {
        var error = await JsWorkerHost.LoadFailureAsync("const a = 1;\nconst b = ;\n");

        var load = Assert.IsType<JavaScriptWorkerLoadException>(error);
        Assert.Equal(2, load.Line);
        Assert.Equal(11, load.Column);
        Assert.EndsWith("worker.js", load.FilePath, StringComparison.Ordinal);
        Assert.StartsWith(load.FilePath + ":2:11: SyntaxError", load.Message, StringComparison.Ordinal);
    }
}
