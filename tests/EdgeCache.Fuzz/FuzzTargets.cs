using EdgeCache.Fuzz.Targets;

namespace EdgeCache.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new CacheControlTarget(),
        new CdnCacheControlTarget(),
        new RangeTarget(),
        new EntityTagTarget(),
        new HttpDateTarget(),
        new VaryTarget(),
        new EntryMetadataTarget(),
        new PurgeJsonTarget(),
        new RuleConfigurationTarget(),
        new CanonicalTargetTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
