namespace EdgeCache.AspNetCore.Proxy;

/// <summary>How a request field that the origin's <c>Vary</c> names selects a stored variant (per field, from cache rules).</summary>
public enum VaryHandling
{
    /// <summary>
    /// Values that mean the same select the same variant: read as a weighted list (<c>token;q=...</c>), so case,
    /// white space and the order of members of equal rank do not matter (the default for <c>Accept-Encoding</c> and
    /// <c>Accept-Language</c>; other fields by default only have white space and, where case-insensitive, case folded).
    /// </summary>
    Normalize,

    /// <summary>The value exactly as the client sent it selects the variant (no normalisation).</summary>
    PassThrough,

    /// <summary>A response that varies on this field is not stored: every request for it goes to the origin.</summary>
    Bypass,
}
