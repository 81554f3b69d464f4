namespace EdgeCache.Server.Settings;

/// <summary>Settings failed validation; <see cref="Exception.Message"/> lists every problem, each naming its setting.</summary>
internal sealed class SettingsException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
