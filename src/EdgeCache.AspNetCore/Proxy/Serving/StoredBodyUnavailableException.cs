namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// A body could not be read before anything of the response went out: a stored entry that left the store between its
/// lookup and its send for longer than the store keeps a removed body (the memory tier's one-second removal grace, the
/// disk tier's deletion grace), for example while its validation waited on a slow origin; or a collapsed request's part
/// of a fill's buffer, released before it began to read. The proxy answers the request again from the start, as a miss.
/// </summary>
internal sealed class StoredBodyUnavailableException(Exception inner)
    : Exception("The body to send is gone (removed or released since it was found); nothing was sent.", inner);
