namespace EdgeCache.Storage;

/// <content>What both writers do with a body that does not match its declared length.</content>
public sealed partial class TieredStore
{
    /// <summary>
    /// A writer's count of the bytes it was given against the entry's declared length (none: -1). A body longer or shorter
    /// than declared is never published (it would be served padded or truncated), and the key is deleted from both tiers
    /// once: the origin replaced the object, so the older copy either tier still holds is stale. Both writers
    /// (<see cref="Writer"/>, <see cref="SharedBodyWriter"/>) hold one and call it at the same three points.
    /// </summary>
    /// <remarks>A mutable struct held in a field of its writer (never copied), so a write costs no allocation.</remarks>
    private struct DeclaredLength(TieredStore owner, EntryMetadata metadata)
    {
        private long _written;
        private bool _mismatched;

        /// <summary>
        /// Counts <paramref name="length"/> more bytes. False once the body runs past the declared length: the writer must
        /// drop what it holds; <paramref name="holding"/> says whether it still held anything (once a writer dropped
        /// everything, there is nothing left to discard and the key is not deleted).
        /// </summary>
        public bool TryCount(int length, bool holding)
        {
            _written += length;
            if (metadata.BodyLength >= 0 && _written > metadata.BodyLength)
            {
                _mismatched |= holding;
                return false;
            }

            return true;
        }

        /// <summary>At commit: false when the body is shorter than declared (or was longer); the writer must not publish.</summary>
        public bool CompleteAtCommit(bool holding)
        {
            if (metadata.BodyLength >= 0 && _written != metadata.BodyLength)
            {
                _mismatched |= holding;
                return false;
            }

            return !_mismatched;
        }

        /// <summary>
        /// After a mismatch (at commit, or on dispose of a writer abandoned after an over-long write), once per writer: deletes
        /// the key under the commit lock, which overtakes the key's promotions in flight, so neither tier brings the replaced
        /// copy back. A writer abandoned short of its length without a commit deletes nothing: a fill cut off (client gone,
        /// origin reset) says nothing about the object.
        /// </summary>
        public ValueTask DeleteIfMismatchedAsync(CancellationToken cancellationToken)
        {
            if (!_mismatched)
            {
                return default;
            }

            _mismatched = false;
            return DeleteAsync(owner, metadata.Key, cancellationToken);

            static async ValueTask DeleteAsync(TieredStore owner, string key, CancellationToken cancellationToken)
                => await owner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }
}
