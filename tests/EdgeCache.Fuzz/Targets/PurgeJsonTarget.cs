using EdgeCache.AspNetCore.Admin;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// The purge API's body (<see cref="PurgeCommand"/>): never throws; a refusal always says why; an accepted
/// body names one kind of purge, with non-empty values, at most <see cref="PurgeCommand.MaxItems"/> of them.
/// </summary>
internal sealed class PurgeJsonTarget : IFuzzTarget
{
    public string Name => "purge-json";

    public void Run(ReadOnlySpan<byte> input)
    {
        var command = PurgeCommand.TryParse(input, out var error);
        if (command is null)
        {
            FuzzInput.Check(!string.IsNullOrWhiteSpace(error), "refused without a message");
            return;
        }

        FuzzInput.Check(command.Requests.Count is >= 1 and <= PurgeCommand.MaxItems, $"{command.Requests.Count} requests");
        FuzzInput.Check(command.Requests.Select(r => r.Kind).Distinct().Count() == 1, "more than one kind in one purge");
        FuzzInput.Check(command.Requests.All(r => r.Kind == EdgeCache.Storage.PurgeKind.Everything || !string.IsNullOrWhiteSpace(r.Value)), "an empty purge value");
        FuzzInput.Check(command.Requests.Select(r => r.Soft).Distinct().Count() == 1, "soft applies to part of a purge");
    }
}
