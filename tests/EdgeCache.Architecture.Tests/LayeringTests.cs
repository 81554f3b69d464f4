using System.Reflection;
using System.Runtime.CompilerServices;
using NetArchTest.Rules;

namespace EdgeCache.Architecture.Tests;

/// <summary>
/// The layers of docs/architecture.md, pinned on the compiled assemblies: arrows point downwards only, between
/// projects and between the folders of the server.
/// </summary>
public sealed class LayeringTests
{
    [Fact]
    public void The_core_uses_neither_ASP_NET_Core_nor_Redis_nor_any_project_above_it()
    {
        AssertNoDependency(Assemblies.Core, "Microsoft.AspNetCore", "StackExchange.Redis", "EdgeCache.AspNetCore", "EdgeCache.Redis", "EdgeCache.JavaScript", "EdgeCache.Server");
        AssertReferences(Assemblies.Core, forbidden: ["Microsoft.AspNetCore", "StackExchange.Redis", "EdgeCache."]);
    }

    [Fact]
    public void Redis_uses_only_the_core_of_the_projects_and_no_ASP_NET_Core()
    {
        AssertNoDependency(Assemblies.Redis, "Microsoft.AspNetCore", "EdgeCache.AspNetCore", "EdgeCache.JavaScript", "EdgeCache.Server");
        AssertReferences(Assemblies.Redis, forbidden: ["Microsoft.AspNetCore", "EdgeCache.AspNetCore", "EdgeCache.JavaScript", "EdgeCache.Server"]);
    }

    [Fact]
    public void ASP_NET_Core_front_doors_use_neither_the_server_nor_the_JavaScript_runtime()
    {
        AssertNoDependency(Assemblies.AspNetCore, "EdgeCache.Server", "EdgeCache.JavaScript");
        AssertReferences(Assemblies.AspNetCore, forbidden: ["EdgeCache.Server", "EdgeCache.JavaScript"]);
    }

    [Fact]
    public void JavaScript_workers_use_neither_the_server_nor_Redis()
    {
        AssertNoDependency(Assemblies.JavaScript, "EdgeCache.Server", "EdgeCache.Redis");
        AssertReferences(Assemblies.JavaScript, forbidden: ["EdgeCache.Server", "EdgeCache.Redis"]);
    }

    [Theory]
    [MemberData(nameof(LibraryNames))]
    public void A_library_opens_its_internals_only_to_tests_benchmarks_and_fuzzing(string library)
    {
        var assembly = Assemblies.Libraries.Single(a => a.GetName().Name == library);
        var opened = assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToList();
        Assert.NotEmpty(opened);
        Assert.All(opened, name => Assert.True(
            name.EndsWith(".Tests", StringComparison.Ordinal) || name is "EdgeCache.Benchmarks" or "EdgeCache.Fuzz" or "EdgeCache.StoreCrashChild",
            $"{library} opens its internals to {name}, which is not a test, benchmark or fuzzing project: make what it needs public (documented) or move it."));
    }

    public static TheoryData<string> LibraryNames() => new(Assemblies.Libraries.Select(a => a.GetName().Name!));

    /// <summary>
    /// The server's folders, top first: each may use only folders after it. Hosting wires everything; Admin is the
    /// admin listener (purge, statistics) and maps Status, the status page and the metrics behind it; Settings is
    /// what the command line and configuration say, which holds the cache rules of Rules. Handlers/ExampleWorker
    /// keeps the sample's namespace (samples/CacheApiExample compiles the same file) and uses none of these.
    /// </summary>
    private static readonly string[] ServerLayers =
    [
        "EdgeCache.Server.Hosting",
        "EdgeCache.Server.Admin",
        "EdgeCache.Server.Status",
        "EdgeCache.Server.Settings",
        "EdgeCache.Server.Rules",
    ];

    [Fact]
    public void The_servers_folders_are_the_layers_we_name()
    {
        var graph = NamespaceGraph.Of(Assemblies.Server);
        Assert.Equal(ServerLayers.Order(StringComparer.Ordinal), graph.Uses.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_server_folder_uses_only_the_folders_below_it()
    {
        var graph = NamespaceGraph.Of(Assemblies.Server);

        // The graph sees what is there: hosting uses every layer below it.
        Assert.Superset(ServerLayers.Skip(1).ToHashSet(), graph.Uses["EdgeCache.Server.Hosting"].ToHashSet());
        var upward = new List<string>();
        foreach (var (from, uses) in graph.Uses)
        {
            var level = Array.IndexOf(ServerLayers, from);
            foreach (var to in uses)
            {
                var target = Array.IndexOf(ServerLayers, to);
                if (level < 0 || target < 0 || target <= level)
                {
                    upward.Add($"{from} -> {to}");
                }
            }
        }

        Assert.Empty(upward);
    }

    [Fact]
    public void The_servers_folders_have_no_cycle() => Assert.Empty(NamespaceGraph.Of(Assemblies.Server).Cycles());

    [Fact]
    public void The_cores_folders_have_no_cycle() => Assert.Empty(NamespaceGraph.Of(Assemblies.Core).Cycles());

    [Fact]
    public void The_AspNetCore_folders_have_no_cycle() => Assert.Empty(NamespaceGraph.Of(Assemblies.AspNetCore).Cycles());

    [Fact]
    public void The_storage_tiers_do_not_use_the_layers_above_them()
    {
        AssertNoDependencyFrom(Assemblies.Core, "EdgeCache.Storage", "EdgeCache.Semantics", "EdgeCache.Http", "EdgeCache.Entries", "EdgeCache.Diagnostics");
        AssertNoDependencyFrom(Assemblies.Redis, "EdgeCache.Redis", "EdgeCache.Semantics", "EdgeCache.Http", "EdgeCache.Entries", "EdgeCache.Diagnostics");
    }

    private static void AssertNoDependency(Assembly assembly, params string[] forbidden)
    {
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{assembly.GetName().Name} uses {string.Join(" or ", forbidden)} in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    private static void AssertNoDependencyFrom(Assembly assembly, string folder, params string[] forbidden)
    {
        var result = Types.InAssembly(assembly).That().ResideInNamespace(folder).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{folder} uses {string.Join(" or ", forbidden)} in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    private static void AssertReferences(Assembly assembly, string[] forbidden)
    {
        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(referenced);
        var bad = referenced.Where(name => forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(bad.Count == 0, $"{assembly.GetName().Name} references {string.Join(", ", bad)}");
    }
}
