namespace EdgeCache.JavaScript;

/// <summary>
/// A request's JavaScript failed: an uncaught exception (the message carries the JavaScript stack), a
/// handler that exceeded the CPU limit, or one that resolved to something other than a <c>Response</c>.
/// </summary>
public sealed class JavaScriptWorkerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JavaScriptWorkerException()
        : this("The worker's JavaScript failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JavaScriptWorkerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public JavaScriptWorkerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
