using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeCache.JavaScript.Tests.Prelude;

/// <summary>
/// URL parsing and serialisation against Node's WHATWG URL as the oracle, over generated adversarial inputs:
/// mixed-case schemes and hosts, IPv4 shorthands, punycode and Unicode hosts, default and out-of-range ports,
/// dot segments (plain and percent-encoded), characters that must be percent-encoded, whitespace. Both the
/// fast path (url.js) and whatwg-url behind it must give exactly Node's answer for every component.
/// </summary>
public sealed class UrlParsingTests
{
    private const string Describe = """
        (input) => {
          try {
            const u = new URL(input);
            return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
          } catch (e) {
            return e instanceof TypeError ? 'TypeError' : 'other: ' + e;
          }
        }
        """;

    private static readonly string[] Schemes = ["http", "https", "HTTP", "hTTps", "ws", "ftp", "file", "foo"];
    private static readonly string[] Hosts =
    [
        "a.com", "A.COM", "example.org", "127.0.0.1", "127.1", "0x7f.0.0.1", "256.1.1.1", "01.2.3.4", "1.2.3.4.5", "xn--nxasmq6b.com",
        "xn--a.com", "münchen.de", "a..b", "a.b.", "-a.b", "a-.b", "a_b.com", "[::1]", "[2001:db8::1]", "localhost", "ex%41mple.com",
        "a.1", "a.0x1", "a.b1", "1a.com", "user@host.com", "u:p@h.com", "", "a b.com", "a%20b.com",
    ];

    private static readonly string[] Ports = ["", "", ":80", ":443", ":8080", ":0", ":65535", ":65536", ":080", ":", ":99999"];
    private static readonly string[] Paths =
    [
        "", "/", "/a/b", "/a/./b", "/a/../b", "/%2e/", "/%2E%2e/x", "/a b", "/~user", "/a\\b", "/ä", "/'x'", "/a|b", "/@x", "/.",
        "/..", "/a/.", "/%7e", "/a;b=c", "/x%zz", "//double", "/a\"b", "/<t>", "/{x}", "/a^b", "/`x`",
    ];

    private static readonly string[] Queries = ["", "", "?", "?a=1&b=2", "?a b", "?'q'", "?x=%zz", "?ä", "?a=/?b", "?`x`", "?a\"b"];
    private static readonly string[] Fragments = ["", "", "#", "#f", "#a b", "#x#y", "#'", "#`x`", "#ä"];
    private static readonly string[] Around = ["", "", "", " ", "\t", "\n"];

    [Fact]
    public async Task Url_components_match_Node_for_generated_inputs()
    {
        var inputs = GenerateInputs(seed: 16, count: 600);
        var json = JsonSerializer.Serialize(inputs);

        var expected = await NodeOracle.RunAsync(
            $"const describe = {Describe};\nconst inputs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\nprocess.stdout.write(JSON.stringify(inputs.map(describe)));",
            json);

        await using var host = await JsWorkerHost.StartAsync($$"""
            const describe = {{Describe}};
            export default { async fetch(request) { return Response.json((await request.json()).map(describe)); } };
            """, o => o.CpuLimit = TimeSpan.FromMinutes(1));
        using var response = await host.Client.PostAsJsonAsync("/", inputs);
        var actual = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {actual}\n{host.Logs.Text}");

        var want = JsonDocument.Parse(expected).RootElement.EnumerateArray().Select(e => e.GetRawText()).ToArray();
        var got = JsonDocument.Parse(actual).RootElement.EnumerateArray().Select(e => e.GetRawText()).ToArray();
        Assert.Equal(want.Length, got.Length);
        var differences = Enumerable.Range(0, want.Length)
            .Where(i => want[i] != got[i] && !NodeIsOlderThanTheStandard(inputs[i]))
            .Select(i => $"{JsonSerializer.Serialize(inputs[i])}\n  node:     {want[i]}\n  edgecache: {got[i]}")
            .ToArray();
        Assert.True(differences.Length == 0, $"{differences.Length} of {want.Length} inputs differ from Node:\n" + string.Join("\n", differences.Take(20)));
    }

    [Fact]
    public async Task The_fast_path_agrees_with_whatwg_url_for_generated_inputs()
    {
        // new URL(input, base) always takes the full parser; for an absolute input the base changes nothing.
        var inputs = GenerateInputs(seed: 7, count: 600);
        await using var host = await JsWorkerHost.StartAsync($$"""
            const describe = {{Describe}};
            const full = (input) => {
              try {
                const u = new URL(input, 'http://base.test/');
                return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
              } catch (e) {
                return e instanceof TypeError ? 'TypeError' : 'other: ' + e;
              }
            };
            export default {
              async fetch(request) {
                const inputs = await request.json();
                return Response.json(inputs.map(i => [JSON.stringify(describe(i)), JSON.stringify(full(i))]).filter(([a, b]) => a !== b));
              },
            };
            """, o => o.CpuLimit = TimeSpan.FromMinutes(1));
        using var response = await host.Client.PostAsJsonAsync("/", inputs.Where(i => !IsRelativeLooking(i)).ToArray());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}\n{host.Logs.Text}");
        Assert.Equal("[]", body);
    }

    [Fact]
    public async Task The_fast_path_gives_the_serialised_url_for_Request_too()
    {
        var inputs = GenerateInputs(seed: 61, count: 300);
        var expected = await NodeOracle.RunAsync(
            "const inputs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\nprocess.stdout.write(JSON.stringify(inputs.map(i => { try { const u = new URL(i); return /^https?:$/.test(u.protocol) ? u.href : 'not http'; } catch { return 'TypeError'; } })));",
            JsonSerializer.Serialize(inputs));

        await using var host = await JsWorkerHost.StartAsync("""
            export default {
              async fetch(request) {
                return Response.json((await request.json()).map(i => {
                  try { const r = new Request(i); return r.url; } catch (e) { return e instanceof TypeError ? 'TypeError' : 'other'; }
                }));
              },
            };
            """, o => o.CpuLimit = TimeSpan.FromMinutes(1));
        using var response = await host.Client.PostAsJsonAsync("/", inputs);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}\n{host.Logs.Text}");
        var got = JsonDocument.Parse(body).RootElement.EnumerateArray().ToArray();
        var want = JsonDocument.Parse(expected).RootElement.EnumerateArray().ToArray();

        // Request accepts any scheme (fetch refuses non-http later): compare the http(s) ones.
        var differences = Enumerable.Range(0, want.Length)
            .Where(i => want[i].GetString() != "not http" && want[i].GetString() != got[i].GetString() && !NodeIsOlderThanTheStandard(inputs[i]))
            .Select(i => $"{JsonSerializer.Serialize(inputs[i])}: node {want[i]}, edgecache {got[i]}")
            .ToArray();
        Assert.True(differences.Length == 0, string.Join("\n", differences.Take(20)));
    }

    // Node 20's URL (ada 2) predates parts of the current URL Standard that whatwg-url 17 follows: '^' is
    // percent-encoded in paths, an "xn--" label must be valid punycode, and a non-special URL keeps "/" for a
    // path of dot segments. None of these inputs is on the fast path (special schemes, no '^', no "xn--").
    private static bool NodeIsOlderThanTheStandard(string input)
        => input.Contains('^', StringComparison.Ordinal)
            || input.Contains("xn--a.", StringComparison.Ordinal)
            || (input.TrimStart().StartsWith("foo:", StringComparison.Ordinal) && input.Contains("/.", StringComparison.Ordinal));

    // A scheme-less input would resolve against the base in the full parser only: not a like-for-like pair.
    private static bool IsRelativeLooking(string input) => !input.Contains("://", StringComparison.Ordinal);

    private static string[] GenerateInputs(int seed, int count)
    {
        var random = new Random(seed);
        string Pick(string[] items) => items[random.Next(items.Length)];
        var inputs = new string[count];
        for (var i = 0; i < count; i++)
        {
            inputs[i] = Pick(Around) + Pick(Schemes) + "://" + Pick(Hosts) + Pick(Ports) + Pick(Paths) + Pick(Queries) + Pick(Fragments) + Pick(Around);
        }

        return inputs;
    }
}
