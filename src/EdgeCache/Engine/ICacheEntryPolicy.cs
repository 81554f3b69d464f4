namespace EdgeCache.Entries;

/// <summary>
/// The rules of one caching profile, as a small class (in the manner of ASP.NET Core OutputCaching's
/// <c>IOutputCachePolicy</c>): whether a response may be stored, for how long, and how its stored copy is
/// dated. <see cref="SharedCachePolicy"/> is the RFC 9111 shared cache the proxy is; the Workers Cache API's
/// rules (Cloudflare's <c>cache.put</c>) are the other profile. <see cref="EntryBuilder"/> applies either.
/// </summary>
public interface ICacheEntryPolicy
{
    /// <summary>
    /// True when the stored copy is dated when it is stored (Cloudflare's <c>cache.put</c> replaces the origin's
    /// <c>Date</c>); false when the origin's <c>Date</c> is kept, as RFC 9111 ages responses from it.
    /// </summary>
    bool StampsDate { get; }

    /// <summary>Decides whether <paramref name="response"/> may be stored, which fields it loses, and its lifetime.</summary>
    /// <param name="response">The response offered, with what the rules need of its request.</param>
    EntryDecision Decide(FetchedResponse response);
}
