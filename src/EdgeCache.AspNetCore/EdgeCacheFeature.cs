using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore;

/// <summary>
/// The <see cref="IEdgeCacheFeature"/> of a request. One instance per connection, reset for each request
/// (kept in the connection's <see cref="IPersistentStateFeature"/> where the server offers one), so that
/// the hit path allocates nothing for it.
/// </summary>
internal sealed class EdgeCacheFeature : IEdgeCacheFeature
{
    public EdgeCacheStatus Status { get; set; }

    public string? Key { get; set; }

    /// <summary>The request's feature, installed (and reset) on first use within the request.</summary>
    public static EdgeCacheFeature For(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<IEdgeCacheFeature>() is EdgeCacheFeature current)
        {
            return current;
        }

        EdgeCacheFeature feature;
        if (features.Get<IPersistentStateFeature>()?.State is { } state)
        {
            if (state.TryGetValue(typeof(EdgeCacheFeature), out var kept) && kept is EdgeCacheFeature reused)
            {
                feature = reused;
                feature.Status = EdgeCacheStatus.None;
                feature.Key = null;
            }
            else
            {
                feature = new EdgeCacheFeature();
                state[typeof(EdgeCacheFeature)] = feature;
            }
        }
        else
        {
            feature = new EdgeCacheFeature();
        }

        features.Set<IEdgeCacheFeature>(feature);
        return feature;
    }
}
