using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace EdgeCache.Architecture.Tests;

/// <summary>
/// Which folder of an assembly uses which, read from its IL: a folder is a namespace one level below the
/// assembly's own (<c>EdgeCache.Server.Admin</c>, with its sub-namespaces), and it uses another when one of its
/// types refers to one of the other's.
/// </summary>
internal sealed class NamespaceGraph
{
    private NamespaceGraph(IReadOnlyDictionary<string, IReadOnlySet<string>> uses) => Uses = uses;

    /// <summary>For each folder, the folders it uses (never itself).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Uses { get; }

    public static NamespaceGraph Of(Assembly assembly)
    {
        var root = assembly.GetName().Name!;
        var folders = assembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(ns => ns is not null && ns.StartsWith(root + ".", StringComparison.Ordinal))
            .Select(ns => root + "." + ns![(root.Length + 1)..].Split('.')[0])
            .ToHashSet(StringComparer.Ordinal);
        var prefixed = folders.Where(f => folders.Any(g => g != f && g.StartsWith(f, StringComparison.Ordinal))).ToList();
        if (prefixed.Count > 0)
        {
            throw new InvalidOperationException($"Folder names that start another's cannot be told apart here: {string.Join(", ", prefixed)}");
        }

        var uses = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var from in folders)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var to in folders.Where(f => f != from))
            {
                // NetArchTest matches a dependency by the start of its name: no folder of ours is named as the start of another.
                var users = Types.InAssembly(assembly)
                    .That().ResideInNamespaceMatching("^" + Regex.Escape(from) + @"(\..*)?$")
                    .And().HaveDependencyOn(to)
                    .GetTypes();
                if (users.Any())
                {
                    used.Add(to);
                }
            }

            uses[from] = used;
        }

        return new NamespaceGraph(uses);
    }

    /// <summary>Every cycle, each as the folders on it in order (empty when there is none).</summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var start in Uses.Keys.Order(StringComparer.Ordinal))
        {
            Visit(start);
        }

        return cycles;

        void Visit(string node)
        {
            if (state.TryGetValue(node, out var seen))
            {
                if (seen == 1)
                {
                    cycles.Add(string.Join(" -> ", path.Skip(path.IndexOf(node)).Append(node)));
                }

                return;
            }

            state[node] = 1;
            path.Add(node);
            foreach (var next in Uses[node].Order(StringComparer.Ordinal))
            {
                Visit(next);
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }
    }
}
