using System.Reflection;
using EdgeCache.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Server.Tests;

/// <summary>
/// Every source-generated log message has an event ID of its own, inside its component's range, so that an
/// operator's filter or alert on an ID means one thing (docs/operations.md lists the ranges).
/// </summary>
public sealed class LogEventIdTests
{
    // Component (namespace prefix, longest first) and its event-ID range.
    private static readonly (string Namespace, int From, int To)[] Ranges =
    [
        ("EdgeCache.AspNetCore.Proxy", 200, 299),
        ("EdgeCache.AspNetCore", 300, 399),
        ("EdgeCache.JavaScript", 600, 699),
        ("EdgeCache.Storage", 100, 199),
        ("EdgeCache.Redis", 400, 499),
        ("EdgeCache.Server", 500, 599),
        ("EdgeCache", 1, 99),
    ];

    [Fact]
    public void Every_log_message_has_a_unique_event_id_within_its_components_range()
    {
        var messages = EdgeCacheAssemblies()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (Name: $"{x.Method.DeclaringType!.FullName}.{x.Method.Name}", Namespace: x.Method.DeclaringType!.Namespace ?? string.Empty, x.Attribute!.EventId))
            .ToList();

        Assert.True(messages.Count > 20, $"only {messages.Count} log messages found: is the scan looking at the right assemblies?");
        var duplicates = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.True(duplicates.Count == 0, "duplicate event IDs: " + string.Join("; ", duplicates));
        var outside = messages.Where(m => Ranges.First(r => m.Namespace == r.Namespace || m.Namespace.StartsWith(r.Namespace + ".", StringComparison.Ordinal)) is var range
            && (m.EventId < range.From || m.EventId > range.To)).Select(m => $"{m.Name} ({m.EventId})").ToList();
        Assert.True(outside.Count == 0, "event IDs outside their component's range: " + string.Join("; ", outside));
    }

    private static IEnumerable<Assembly> EdgeCacheAssemblies()
    {
        // The server references every component; load what it references, then keep EdgeCache's own.
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>([typeof(EdgeCacheServer).Assembly]);
        while (queue.Count > 0)
        {
            var assembly = queue.Dequeue();
            if (!seen.TryAdd(assembly.GetName().Name!, assembly))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("EdgeCache", StringComparison.Ordinal)))
            {
                queue.Enqueue(Assembly.Load(reference));
            }
        }

        return seen.Values;
    }
}
