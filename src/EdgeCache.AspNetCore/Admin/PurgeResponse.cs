namespace EdgeCache.AspNetCore.Admin;

/// <summary>Cloudflare's API envelope.</summary>
internal sealed record PurgeResponse(bool Success, IReadOnlyList<ApiMessage> Errors, IReadOnlyList<ApiMessage> Messages, PurgeResult? Result);

/// <summary>One error or message of the envelope.</summary>
internal sealed record ApiMessage(int Code, string Message);

/// <summary>The purge's id and how many entries it removed or marked stale.</summary>
internal sealed record PurgeResult(string Id, long Purged);

[System.Text.Json.Serialization.JsonSerializable(typeof(PurgeResponse))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class PurgeJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
