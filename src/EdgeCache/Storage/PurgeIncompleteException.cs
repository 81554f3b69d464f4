namespace EdgeCache.Storage;

/// <summary>
/// A purge could not be applied everywhere: it reached this node's own tiers but not every node (the shared
/// tier or the invalidation backplane stayed unavailable for the purge timeout; other nodes may still serve
/// what it selects), or a tier could not record it (the disk tier on a full disk: it hides what the purge
/// selects and retries). Purging again once the cause is gone completes it.
/// </summary>
public sealed class PurgeIncompleteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PurgeIncompleteException()
        : this("The purge was applied on this node but could not be published to the other nodes.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PurgeIncompleteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PurgeIncompleteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Entries the purge removed or marked where it did arrive.</summary>
    public long Purged { get; init; }
}
