namespace EdgeCache.Semantics;

/// <summary>One satisfiable byte range, resolved against a representation length.</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    /// <summary>The offset of the range's last byte.</summary>
    public long Last => Offset + Length - 1;

    /// <summary>The <c>Content-Range</c> value of this range in a representation of <paramref name="total"/> bytes.</summary>
    public string ContentRange(long total) => $"bytes {Offset}-{Last}/{total}";
}
