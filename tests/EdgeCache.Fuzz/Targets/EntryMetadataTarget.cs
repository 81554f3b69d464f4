using EdgeCache.Semantics.Rfc9111;
using EdgeCache.Storage;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// The stored-entry metadata reader (<see cref="EntryMetadataSerializer"/>), fed bytes as a corrupt disk
/// index row or Redis value would hold them: TryDeserialize never throws, Deserialize throws only
/// <see cref="InvalidDataException"/>, and what reads back serializes to bytes that read back the same.
/// </summary>
internal sealed class EntryMetadataTarget : IFuzzTarget
{
    public string Name => "entry-metadata";

    public void Run(ReadOnlySpan<byte> input)
    {
        var ok = EntryMetadataSerializer.TryDeserialize(input, out var metadata);
        try
        {
            var thrown = EntryMetadataSerializer.Deserialize(input);
            FuzzInput.Check(ok, "Deserialize accepted what TryDeserialize refused");
            FuzzInput.Check(thrown.Key == metadata!.Key, "Deserialize and TryDeserialize disagree");
        }
        catch (InvalidDataException)
        {
            FuzzInput.Check(!ok, "Deserialize refused what TryDeserialize accepted");
        }

        if (!ok)
        {
            return;
        }

        var bytes = EntryMetadataSerializer.Serialize(metadata!);
        if (!EntryMetadataSerializer.TryDeserialize(bytes, out var again))
        {
            throw new InvariantViolationException("a serialized entry does not read back");
        }

        var bytesAgain = EntryMetadataSerializer.Serialize(again);
        FuzzInput.Check(bytes.AsSpan().SequenceEqual(bytesAgain), "serialize, read, serialize gives other bytes");
        FuzzInput.Check(
            again.Key == metadata!.Key && again.StatusCode == metadata.StatusCode && again.BodyLength == metadata.BodyLength
                && again.ExpiresAt == metadata.ExpiresAt && again.Headers.Count == metadata.Headers.Count && again.Tags.Count == metadata.Tags.Count
                && again.Invalidated == metadata.Invalidated,
            "the round trip changed a field");

        // What the proxy does next with an entry it read (CachingProxy's hit path): this must not throw either.
        var age = AgeCalculation.CurrentAge(metadata.InitialAge, metadata.ResponseTime, DateTimeOffset.UtcNow);
        _ = (long)(metadata.FreshnessLifetime - age).TotalSeconds;
    }
}
