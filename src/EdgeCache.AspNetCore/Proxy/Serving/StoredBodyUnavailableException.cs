namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// A stored entry's body could not be read before anything of the response went out: the entry left the store between
/// its lookup and its send for longer than the store keeps a removed body (the memory tier's one-second removal grace, the
/// disk tier's deletion grace), for example while its validation waited on a slow origin. The proxy answers the request
/// again from the start, now as a miss.
/// </summary>
internal sealed class StoredBodyUnavailableException(Exception inner)
    : Exception("The stored body is gone (removed from the store since its lookup); nothing was sent.", inner);
