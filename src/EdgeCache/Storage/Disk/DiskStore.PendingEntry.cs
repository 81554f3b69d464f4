using System.Runtime.InteropServices;

namespace EdgeCache.Storage;

public sealed partial class DiskStore
{
    /// <summary>A written body waiting for its index row.</summary>
    private sealed class PendingEntry(EntryMetadata metadata, long id, string? path, ReadOnlyMemory<byte>? body, ITierBody? bodyOwner, long size, long checksum, long expiresMs, long writtenMs)
    {
        private volatile bool _invalidated;
        private ITierBody? _bodyOwner = bodyOwner;

        public EntryMetadata Metadata { get; } = metadata;

        public long Id { get; } = id;

        /// <summary>The body file; null when the body goes into the row (<see cref="Body"/>).</summary>
        public string? Path { get; } = path;

        /// <summary>
        /// The body kept in the row: an array of its own, or the memory tier's native block (<see cref="BodyOwner"/>), which
        /// the entry holds a reference on until the committer has copied it into the row or given the entry up.
        /// </summary>
        public ReadOnlyMemory<byte>? Body { get; } = body;

        /// <summary>The owner of a <see cref="Body"/> that is not an array of its own; null once <see cref="ReleaseBody"/> ran.</summary>
        public ITierBody? BodyOwner => Volatile.Read(ref _bodyOwner);

        public long Size { get; } = size;

        public long Checksum { get; } = checksum;

        public long ExpiresMs { get; } = expiresMs;

        public long WrittenMs { get; } = writtenMs;

        /// <summary>Gives back the reference on <see cref="Body"/>'s owner, once (the committer, when the entry is done with).</summary>
        public void ReleaseBody() => Interlocked.Exchange(ref _bodyOwner, null)?.Release();

        /// <summary>Set by a delete or purge while the entry waits (under the publish lock): its row is never committed.</summary>
        public bool Cancelled { get; set; }

        /// <summary>Set by a soft purge while the entry waits (under the publish lock).</summary>
        public bool Invalidated
        {
            get => _invalidated;
            set => _invalidated = value;
        }
    }

    /// <summary>
    /// Whether a queued entry can be served: a body file must be whole; a body kept in the row is handed out as an array
    /// of its own (<paramref name="array"/>). The memory tier's block is copied under a reference of the read's own (the
    /// committer frees its reference once the row is in, and the block may then hold another body); once that reference
    /// is gone the entry is not served from the queue (a miss: the origin answers).
    /// </summary>
    private static bool TryReadPending(PendingEntry pending, out byte[]? array)
    {
        array = null;
        if (pending.Body is not { } body)
        {
            return BodyIsWhole(pending.Path!, pending.Size);
        }

        if (pending.BodyOwner is not { } owner)
        {
            if (MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length)
            {
                array = segment.Array;
                return true;
            }

            // Released: the committer is done with the entry.
            return false;
        }

        if (!owner.TryAcquire())
        {
            return false;
        }

        try
        {
            array = body.ToArray();
            return true;
        }
        finally
        {
            owner.Release();
        }
    }
}
