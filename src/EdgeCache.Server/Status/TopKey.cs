namespace EdgeCache.Server.Status;

/// <summary>One frequently requested URL: its count, of which up to <paramref name="Overcount"/> may belong to URLs it displaced.</summary>
internal sealed record TopKey(string Url, long Count, long Overcount);
