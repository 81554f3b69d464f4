namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// What the proxy does with a response that could be stored but carries <c>Set-Cookie</c>. Whatever the
/// policy, the client whose request the origin answered always gets its own cookie.
/// </summary>
public enum SetCookiePolicy
{
    /// <summary>
    /// Do not store the response (Varnish's and Fastly's default; Cloudflare's with "Cache Everything"): a
    /// response that sets a cookie is often personalised in its body too. The default.
    /// </summary>
    DoNotStore = 0,

    /// <summary>
    /// Store the response without its <c>Set-Cookie</c> fields, as if the origin had sent
    /// <c>private="Set-Cookie"</c> (Cloudflare's default cache level and explicit edge TTL): for origins that
    /// attach a tracking cookie to public pages.
    /// </summary>
    StoreWithout = 1,

    /// <summary>
    /// Dangerous: store the cookie with the response and replay it to every client that gets the stored copy
    /// (what RFC 9111 alone would allow). Only for cookies that are the same for everyone.
    /// </summary>
    Share = 2,
}
