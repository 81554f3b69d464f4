namespace EdgeCache.Semantics;

/// <summary>One satisfiable byte range, resolved against a representation length.</summary>
internal readonly record struct ByteRange(long Offset, long Length)
{
    public long Last => Offset + Length - 1;

    public string ContentRange(long total) => $"bytes {Offset}-{Last}/{total}";
}
