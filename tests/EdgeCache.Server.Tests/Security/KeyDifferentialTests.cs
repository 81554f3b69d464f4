using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCache.Testing;
using Xunit.Abstractions;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// The cache key read against a second parser, Node's WHATWG <c>URL</c> (what browsers, fetch and many
/// origins use): every pair of request targets, or Host values, that EdgeCache stores under one key must be
/// one resource to WHATWG as well, up to RFC 3986 section 6.2.2's percent-encoding equivalences. A merge that
/// WHATWG does not make is a key confusion (one URL's answer served for another) and fails with a readable
/// diff; where the two readings differ on purpose, the test lists it in its output.
/// </summary>
/// <remarks>
/// What EdgeCache stores a target under is observed from outside: the reflecting origin writes the target it
/// received into the body, and a later request that hits serves that body, so each response names the entry
/// that answered it.
/// </remarks>
public sealed class KeyDifferentialTests(ITestOutputHelper output)
{
    // RFC 3986 pchar and query characters besides '%' (unreserved, sub-delims, ':', '@', '/', '?').
    private const string Rfc3986Allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?";

    private static readonly string LongA = "/k/long/" + new string('a', 6000);

    // Targets as a client writes them on the wire (sent as Latin-1 bytes). Neighbours are the spellings an
    // attacker would try to fold onto one another.
    private static readonly string[] Targets =
    [
        "/k/%41bc", "/k/Abc", "/k/abc", "/k/%61bc", "/k/%2D%2E%5F%7E", "/k/-._~",
        "/k/a%2fb", "/k/a%2Fb", "/k/a/b", "/k/%7E", "/k/%7e", "/k/~",
        "/k/x/../y", "/k/y", "/k/x/%2e%2e/y", "/k/x/%2E%2E/y", "/k/x/.%2e/y", "/k/x/%2e./y", "/k/x/./y", "/k/x/%2e/y", "/k/x/y",
        "/k/x/..", "/k/", "/k/x/../../../y", "/y", "/k/x/..%2fy", "/k/x/..%2Fy", "/k/x/%252e%252e/y", "/k/x/...", "/k/x/.../y", "/k/x/..;/y",
        "/k//y", "/k///y", "/k/y/", "/k/x\\..\\y", "/k\\y", "/k/x%5C..%5Cy", "/k/%5Cy",
        "/k/q", "/k/q?", "/k/q??", "/k/q?a=1", "/k/q?a=%31", "/k/q?a=1&b=2", "/k/q?b=2&a=1", "/k/q?a=1;b=2", "/k/q?a=1%26b=2", "/k/q?a=1%3Bb=2",
        "/k/a%3Fb=1", "/k/a?b=1", "/k/a%23b", "/k/a%3F", "/k/a?", "/k/q?a=%2B", "/k/q?a=+", "/k/q?a=%20", "/k/q?a=\\", "/k/q?a=%5C", "/k/q?a=%7e", "/k/q?a=~", "/k/q?a=/../b", "/k/q?a=/b", "/k/q?%3F", "/k/q?a=%3d",
        "/k/f#x", "/k/f%23x", "/k/f",
        "/k/a|b", "/k/a%7Cb", "/k/a%7cb", "/k/[x]", "/k/%5Bx%5D", "/k/{x}", "/k/%7Bx%7D", "/k/^", "/k/%5E", "/k/`", "/k/%60",
        "/k/'", "/k/%27", "/k/\"", "/k/%22", "/k/<>", "/k/%3C%3E", "/k/%zz", "/k/%25zz", "/k/%", "/k/%25", "/k/%2", "/k/%252",
        "/k/%C3%A9", "/k/%c3%a9", "/k/caf\u00C3\u00A9", "/k/%00", "/k/a\u0001b", "/k/a%01b", "/k/a\u0001", "/k/a", "/k/a\u007Fb", "/k/a%7Fb",
        "/k/;x", "/k/%3Bx", "/k/a@b", "/k/a%40b", "/k/a:b", "/k/a%3Ab", "/k/a=b", "/k/a%3Db", "/k/a+b", "/k/a%2Bb", "/k/a%20b", "/k/a b",
        "http://127.0.0.1/k/abs", "/k/abs", "http://127.0.0.1/k/abs?x", "/k/abs?x",
        LongA + "b", LongA + "c", LongA + "%62",
    ];

    // Hosts as a client sends them (pass-through Host mode, where the key holds the client's Host).
    private static readonly string[] Hosts =
    [
        "example.com", "Example.COM", "EXAMPLE.COM", "example.com.", "example.com:80", "EXAMPLE.com:80", "example.com:080", "example.com:8080",
        "xn--bcher-kva.example", "XN--BCHER-KVA.example", "xn--Bcher-kva.example", "b\u00C3\u00BCcher.example",
        "[::1]", "[::1]:80", "[0:0::1]", "127.1", "127.0.0.1", "0x7f.0.0.1", "exa_mple.com", "user@example.com", "ex%41mple.com", "example.com:",
    ];

    // Where the raw target and the canonical one EdgeCache forwards are two resources to WHATWG, on purpose.
    private static readonly Dictionary<string, string> DeliberateRewrites = new(StringComparer.Ordinal)
    {
        ["/k/a\u0001"] = "WHATWG trims C0 controls and spaces at the ends of a URL string (typed input); on the wire the byte belongs to the path, and EdgeCache keeps it, escaped (so the key splits where WHATWG merges, never the reverse)",
    };

    private const string NodeScript = """
        const input = JSON.parse(Buffer.from(process.argv[1], 'base64').toString('utf8'));
        const target = t => {
          try {
            const u = new URL(t.startsWith('/') ? 'http://127.0.0.1' + t : t);
            let s = u.href.slice(u.origin.length);
            const hash = s.indexOf('#');
            return { pq: hash < 0 ? s : s.slice(0, hash), fragment: hash >= 0 };
          } catch (e) { return { error: String(e.message) }; }
        };
        const host = h => { try { return { host: new URL('http://' + h + '/').host }; } catch (e) { return { error: String(e.message) }; } };
        process.stdout.write(JSON.stringify({ targets: input.targets.map(target), canonical: input.canonical.map(target), hosts: input.hosts.map(host) }));
        """;

    [Theory]
    [InlineData("proxy")]
    [InlineData("example")]
    public async Task Every_pair_of_targets_the_cache_keys_as_one_is_one_resource_to_a_WHATWG_parser(string handler)
    {
        // EdgeCache's reading: which stored entry (named by the target the origin received) answered each target.
        var edge = new List<(string Target, int Status, string? StoredAs)>();
        await using (var h = await StartAsync(("Handler", handler)))
        {
            foreach (var target in Targets)
            {
                var response = await h.GetAsync(target);
                edge.Add((target, response.Status, response.Status == 200 ? Reflected(response, "target=") : null));
            }
        }

        var answered = edge.Where(e => e.StoredAs is not null).ToList();
        Assert.True(answered.Count > Targets.Length / 2, $"only {answered.Count} of {Targets.Length} targets were answered");
        var node = await WhatwgAsync(Targets, [.. answered.Select(e => e.StoredAs!)], []);

        var failures = new List<string>();
        var deliberate = new List<string>();
        var splits = new List<string>();
        var whatwg = Targets.Select((t, i) => (t, node.Targets[i])).ToDictionary(x => x.t, x => x.Item2, StringComparer.Ordinal);

        // 1. Merges: every two targets answered from one entry are one resource to WHATWG.
        foreach (var group in answered.GroupBy(e => e.StoredAs, StringComparer.Ordinal))
        {
            var members = group.ToList();
            for (var i = 1; i < members.Count; i++)
            {
                var (a, b) = (whatwg[members[0].Target], whatwg[members[i].Target]);
                var pair = $"{Show(members[0].Target)} and {Show(members[i].Target)} share the key of {Show(group.Key!)}; WHATWG reads {Show(a.Pq ?? a.Error)} and {Show(b.Pq ?? b.Error)}";
                if (a.Pq is null || b.Pq is null || a.Fragment || b.Fragment || Rfc3986Equivalent(a.Pq) != Rfc3986Equivalent(b.Pq))
                {
                    failures.Add("merge: " + pair);
                }
                else if (a.Pq != b.Pq)
                {
                    deliberate.Add(pair);
                }
            }
        }

        // 2. Rewrites: the canonical target the origin is asked for is the resource the client named.
        for (var i = 0; i < answered.Count; i++)
        {
            var (target, _, storedAs) = answered[i];
            var (raw, canonical) = (whatwg[target], node.Canonical[i]);
            var same = raw.Pq is not null && canonical.Pq is not null && Rfc3986Equivalent(raw.Pq) == Rfc3986Equivalent(canonical.Pq);
            if (DeliberateRewrites.TryGetValue(target, out var why))
            {
                Assert.False(same, $"{Show(target)} is listed as a deliberate difference but WHATWG now agrees: remove it from the list");
                deliberate.Add($"{Show(target)} is forwarded as {Show(storedAs!)}; WHATWG reads {Show(raw.Pq ?? raw.Error)}: {why}");
            }
            else if (!same)
            {
                failures.Add($"rewrite: {Show(target)} is forwarded (and keyed) as {Show(storedAs!)}, which WHATWG reads as {Show(canonical.Pq ?? canonical.Error)}, not {Show(raw.Pq ?? raw.Error)}");
            }
        }

        // For the record: targets WHATWG merges that EdgeCache keeps apart (safe: at worst a second copy).
        foreach (var group in answered.GroupBy(e => Rfc3986Equivalent(whatwg[e.Target].Pq ?? e.Target), StringComparer.Ordinal))
        {
            if (group.Select(e => e.StoredAs).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                splits.Add(string.Join(", ", group.Select(e => Show(e.Target))) + $" (WHATWG: {Show(group.Key)})");
            }
        }

        output.WriteLine("Refused by the server: " + string.Join(", ", edge.Where(e => e.StoredAs is null).Select(e => $"{Show(e.Target)} ({e.Status})")));
        output.WriteLine("Merged by EdgeCache, equivalent under RFC 3986 6.2.2 but spelt apart by WHATWG, or rewritten on purpose:");
        deliberate.ForEach(d => output.WriteLine("  " + d));
        output.WriteLine("Kept apart by EdgeCache, one resource to WHATWG:");
        splits.ForEach(s => output.WriteLine("  " + s));
        Assert.True(failures.Count == 0, "EdgeCache's key and WHATWG disagree:\n" + string.Join('\n', failures));

        // The long targets that differ in their last byte only are two keys: nothing is cut off.
        Assert.NotEqual(edge.Single(e => e.Target == LongA + "b").StoredAs, edge.Single(e => e.Target == LongA + "c").StoredAs);
        Assert.Equal(edge.Single(e => e.Target == LongA + "b").StoredAs, edge.Single(e => e.Target == LongA + "%62").StoredAs);
    }

    [Fact]
    public async Task Every_pair_of_Host_values_the_cache_keys_as_one_is_one_host_to_a_WHATWG_parser_and_the_origin_gets_each_as_sent()
    {
        var edge = new List<(string Host, int Status, string? StoredAs, string? CacheStatus)>();
        await using (var h = await StartAsync(("HostHeader", "pass-through")))
        {
            foreach (var host in Hosts)
            {
                var response = await h.SendAsync($"GET /h HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
                edge.Add((host, response.Status, response.Status == 200 ? Reflected(response, "Host: ") : null, response.Header("cf-cache-status")));
            }
        }

        var node = await WhatwgAsync([], [], Hosts);
        var whatwg = Hosts.Select((x, i) => (x, node.Hosts[i])).ToDictionary(x => x.x, x => x.Item2, StringComparer.Ordinal);
        var failures = new List<string>();

        // The origin receives the Host the client sent, byte for byte (an IDN label is not decoded to Unicode).
        foreach (var miss in edge.Where(e => e.StoredAs is not null && e.CacheStatus == "MISS"))
        {
            if (miss.StoredAs != miss.Host)
            {
                failures.Add($"origin: Host {Show(miss.Host)} reached the origin as {Show(miss.StoredAs)}");
            }
        }

        foreach (var group in edge.Where(e => e.StoredAs is not null).GroupBy(e => e.StoredAs, StringComparer.Ordinal))
        {
            var members = group.ToList();
            foreach (var member in members.Skip(1))
            {
                var (a, b) = (whatwg[members[0].Host], whatwg[member.Host]);
                if (a.Host is null || a.Host != b.Host)
                {
                    failures.Add($"merge: Hosts {Show(members[0].Host)} and {Show(member.Host)} share one key; WHATWG reads {Show(a.Host ?? a.Error)} and {Show(b.Host ?? b.Error)}");
                }
            }
        }

        output.WriteLine("Refused by the server: " + string.Join(", ", edge.Where(e => e.StoredAs is null).Select(e => $"{Show(e.Host)} ({e.Status})")));
        output.WriteLine("Kept apart by EdgeCache, one host to WHATWG:");
        foreach (var group in edge.Where(e => e.StoredAs is not null && whatwg[e.Host].Host is not null).GroupBy(e => whatwg[e.Host].Host!, StringComparer.Ordinal))
        {
            if (group.Select(e => e.StoredAs).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                output.WriteLine($"  {string.Join(", ", group.Select(e => Show(e.Host)))} (WHATWG: {group.Key})");
            }
        }

        Assert.True(failures.Count == 0, "EdgeCache's key and WHATWG disagree:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task An_IDN_Host_reaches_the_origin_in_its_ASCII_form_and_keys_the_entry_so()
    {
        await using var h = await StartAsync(("HostHeader", "pass-through"));

        var first = await h.SendAsync("GET /idn HTTP/1.1\r\nHost: xn--bcher-kva.example\r\nConnection: close\r\n\r\n");
        var upper = await h.SendAsync("GET /idn HTTP/1.1\r\nHost: XN--BCHER-KVA.EXAMPLE\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, first.Status);
        Assert.Equal("xn--bcher-kva.example", h.Origin.Requests.Single().Header("Host"));
        Assert.Equal("HIT", upper.Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE")]
    [InlineData("*.xn--bcher-kva.example", "www.xn--bcher-kva.example")]
    [InlineData("b\u00FCcher.example", "xn--bcher-kva.example")]
    [InlineData("b\u00FCcher.example", "XN--BCHER-KVA.EXAMPLE")]
    [InlineData("B\u00DCCHER.example", "xn--bcher-kva.example")]
    public async Task A_host_rule_applies_to_an_IDN_host_whichever_form_it_is_written_in(string pattern, string host)
    {
        // The rule's host was compared with HttpRequest.Host, which decodes xn-- labels to Unicode: a Bypass rule
        // written with the ASCII name that DNS, certificates and logs show never matched, and its host was cached.
        await using var h = await StartAsync([("HostHeader", "pass-through"), .. Rule(0, ("Match:Host", pattern), ("Action:Bypass", "true"))]);

        var first = await h.SendAsync($"GET /idn-rule HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        var second = await h.SendAsync($"GET /idn-rule HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal("BYPASS", first.Header("cf-cache-status"));
        Assert.Equal("BYPASS", second.Header("cf-cache-status"));
    }

    [Fact]
    public async Task A_parameter_hidden_behind_a_semicolon_in_a_kept_parameter_cannot_borrow_the_key_of_the_clean_url()
    {
        // ASP.NET Core, PHP and URLSearchParams read "lang=en;utm_content=x" as lang = "en;utm_content=x": a key
        // that splits at ';' and drops the excluded utm_content would give that page the key of "?lang=en".
        await using var h = await StartAsync(Rule(0,
            ("Match:Path", "/cloak2"), ("Action:EdgeTtl", "1h"), ("Action:CacheKey:ExcludeQuery:0", "utm_content")));

        await h.GetAsync($"/cloak2?lang=en;utm_content={AttackerMarker}");
        var clean = await h.GetAsync("/cloak2?lang=en");
        var excluded = await h.GetAsync("/cloak2?lang=en&utm_content=other");

        AssertClean(clean);
        Assert.Equal("HIT", excluded.Header("cf-cache-status"));
    }

    // The value of the reflected body's line that starts with prefix ("target=", "Host: ").
    private static string? Reflected(RawResponse response, string prefix)
        => Encoding.Latin1.GetString(response.Body).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

    /// <summary>
    /// RFC 3986 section 6.2.2's equivalences on a serialised path and query: hex digits of escapes upper-cased,
    /// escapes of unreserved characters decoded, characters RFC 3986 does not allow (WHATWG leaves some, such as
    /// '|', '[', '^', '\' in a query) escaped as UTF-8, and a '%' that starts no escape read as a literal '%'.
    /// </summary>
    private static string Rfc3986Equivalent(string pathAndQuery)
    {
        var result = new StringBuilder();
        for (var i = 0; i < pathAndQuery.Length; i++)
        {
            var c = pathAndQuery[i];
            if (c == '%' && i + 2 < pathAndQuery.Length && char.IsAsciiHexDigit(pathAndQuery[i + 1]) && char.IsAsciiHexDigit(pathAndQuery[i + 2]))
            {
                var value = (char)int.Parse(pathAndQuery.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                result.Append(char.IsAsciiLetterOrDigit(value) || value is '-' or '.' or '_' or '~' ? value.ToString() : "%" + pathAndQuery.Substring(i + 1, 2).ToUpperInvariant());
                i += 2;
            }
            else if (c == '%')
            {
                result.Append("%25");
            }
            else if (Rfc3986Allowed.Contains(c, StringComparison.Ordinal))
            {
                result.Append(c);
            }
            else
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    result.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }

        return result.ToString();
    }

    private static string Show(string? text)
        => text is null ? "(none)" : JsonSerializer.Serialize(text.Length > 60 ? text[..28] + "..." + text[^28..] : text);

    private static async Task<NodeAnswer> WhatwgAsync(string[] targets, string[] canonical, string[] hosts)
    {
        var input = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { targets, canonical, hosts }));
        CommandResult result;
        try
        {
            result = await CommandRunner.RunAsync("node", ["-e", NodeScript, input], TimeSpan.FromSeconds(30));
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"This test compares with Node.js's WHATWG URL, so 'node' must be on PATH (it could not be started: {ex.Message}). It does not skip.");
            throw;
        }

        Assert.False(result.TimedOut, "node did not answer within 30 s");
        Assert.True(result.ExitCode == 0, $"node exited with {result.ExitCode}: {result.Stderr}");
        return JsonSerializer.Deserialize<NodeAnswer>(result.Stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private sealed record NodeAnswer(NodeTarget[] Targets, NodeTarget[] Canonical, NodeHost[] Hosts);

    private sealed record NodeTarget(string? Pq, bool Fragment, string? Error);

    private sealed record NodeHost(string? Host, string? Error);
}
