namespace EdgeCache.JavaScript.Runtime;

/// <summary>A body read into memory would pass <see cref="JavaScriptWorkerOptions.MaxBufferedBodySize"/>.</summary>
internal sealed class BodyTooLargeException : Exception
{
    public BodyTooLargeException()
        : base("The body is too large to read into memory.")
    {
    }

    public BodyTooLargeException(long limit)
        : base($"The body is larger than {limit} bytes, the most that text(), json() or arrayBuffer() read into memory; stream it instead (response.body).")
    {
    }

    public BodyTooLargeException(string message)
        : base(message)
    {
    }

    public BodyTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
