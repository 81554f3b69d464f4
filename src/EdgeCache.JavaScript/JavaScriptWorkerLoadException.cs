namespace EdgeCache.JavaScript;

/// <summary>
/// A worker script could not be loaded: it does not parse, its top-level code threw, or it registers no
/// fetch handler. The message starts with <c>file:line:column</c> when the place is known.
/// </summary>
public sealed class JavaScriptWorkerLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JavaScriptWorkerLoadException()
        : this("The worker script could not be loaded.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JavaScriptWorkerLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public JavaScriptWorkerLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a place in the script.</summary>
    public JavaScriptWorkerLoadException(string message, string filePath, int line, int column, Exception? innerException = null)
        : base($"{filePath}:{line}:{column}: {message}", innerException)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
    }

    /// <summary>The script file, when the place is known.</summary>
    public string? FilePath { get; }

    /// <summary>The line (from 1), when the place is known.</summary>
    public int Line { get; }

    /// <summary>The column (from 1), when the place is known.</summary>
    public int Column { get; }
}
