using System.Reflection;
using System.Text.Json;
using EdgeCache.Server.Settings;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

public sealed class SettingsSchemaTests
{
    [Fact]
    public void The_published_JSON_schema_names_every_setting_and_no_other()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "edgecache.schema.json")));
        var documented = schema.RootElement.GetProperty("properties").GetProperty(ServerSettings.SectionName).GetProperty("properties")
            .EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        var bound = typeof(ServerSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(bound, documented);
    }
}
