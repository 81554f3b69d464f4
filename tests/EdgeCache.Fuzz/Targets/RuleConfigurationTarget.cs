using System.Text.Json;
using EdgeCache.Server.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// The rule configuration: JSON read through the configuration binder as the server reads
/// <c>EdgeCache:Rules</c>, then <see cref="CacheRuleSet.Compile"/>. Compile never throws (every problem is an
/// error naming the rule), and a rule set that compiled evaluates requests without throwing.
/// </summary>
internal sealed class RuleConfigurationTarget : IFuzzTarget
{
    private static readonly string[] Targets = ["/static/app.css", "/a/b/../c.js?utm_source=x&id=1", "/%2e%2e/x.png", "/"];

    public string Name => "rules";

    public void Run(ReadOnlySpan<byte> input)
    {
        List<CacheRuleSettings> settings;
        bool defaultExtensionsOnly;
        try
        {
            using var stream = new MemoryStream(input.ToArray());
            var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
            settings = configuration.GetSection("Rules").Get<List<CacheRuleSettings>>() ?? [];
            defaultExtensionsOnly = configuration.GetValue<bool>("CacheDefaultExtensionsOnly");
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException or InvalidDataException)
        {
            // The JSON provider and the binder refuse the file before the rules are looked at; the server
            // reports these as a settings error. Compile is what is under test.
            return;
        }

        var errors = new List<string>();
        var rules = CacheRuleSet.Compile(settings, defaultExtensionsOnly, errors);
        FuzzInput.Check(errors.TrueForAll(e => e.StartsWith("EdgeCache:Rules:", StringComparison.Ordinal)), "an error that does not name its rule");
        if (errors.Count > 0)
        {
            return;
        }

        foreach (var target in Targets)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "GET";
            context.Request.Scheme = "http";
            context.Request.Host = new HostString("example.com");
            context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
            context.Request.Headers.Cookie = "session=1";
            _ = rules.Evaluate(context.Request);
        }
    }
}
