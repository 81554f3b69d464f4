namespace EdgeCache.Storage;

/// <summary>
/// A purge was applied to this node's own tiers but could not be made to reach every node (the shared tier
/// or the invalidation backplane stayed unavailable for the purge timeout). Other nodes may still serve what
/// it selects; purging again once the shared tier is back completes it.
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
