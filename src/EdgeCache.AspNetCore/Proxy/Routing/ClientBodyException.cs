namespace EdgeCache.AspNetCore.Proxy;

/// <summary>The client's request body could not be read (see <see cref="ClientBodyStream"/>).</summary>
internal sealed class ClientBodyException(Exception inner) : IOException("The client's request body could not be read: " + inner.Message, inner);
