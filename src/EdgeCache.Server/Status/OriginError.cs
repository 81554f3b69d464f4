namespace EdgeCache.Server.Status;

/// <summary>An origin failure: what kind (<c>timeout</c>, <c>ConnectionError</c>, ...) and when.</summary>
internal sealed record OriginError(string Type, DateTimeOffset At);
