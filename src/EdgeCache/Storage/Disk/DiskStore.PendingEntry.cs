namespace EdgeCache.Storage;

public sealed partial class DiskStore
{
    /// <summary>A written body waiting for its index row.</summary>
    private sealed class PendingEntry(EntryMetadata metadata, long id, string? path, byte[]? body, long size, long checksum, long expiresMs, long writtenMs)
    {
        private volatile bool _invalidated;

        public EntryMetadata Metadata { get; } = metadata;

        public long Id { get; } = id;

        /// <summary>The body file; null when the body goes into the row (<see cref="Body"/>).</summary>
        public string? Path { get; } = path;

        public byte[]? Body { get; } = body;

        public long Size { get; } = size;

        public long Checksum { get; } = checksum;

        public long ExpiresMs { get; } = expiresMs;

        public long WrittenMs { get; } = writtenMs;

        /// <summary>Set by a delete or purge while the entry waits (under the publish lock): its row is never committed.</summary>
        public bool Cancelled { get; set; }

        /// <summary>Set by a soft purge while the entry waits (under the publish lock).</summary>
        public bool Invalidated
        {
            get => _invalidated;
            set => _invalidated = value;
        }
    }
}
