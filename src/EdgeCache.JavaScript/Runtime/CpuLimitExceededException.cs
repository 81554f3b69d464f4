namespace EdgeCache.JavaScript.Runtime;

/// <summary>Thrown through the interpreter by <see cref="CpuLimit"/>; JavaScript cannot catch it.</summary>
internal sealed class CpuLimitExceededException : Exception
{
    public CpuLimitExceededException()
        : base("The worker exceeded its CPU time limit.")
    {
    }

    public CpuLimitExceededException(string message)
        : base(message)
    {
    }

    public CpuLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
