namespace EdgeCache.Fuzz;

/// <summary>A parser returned without throwing but broke one of its invariants (a round trip, a bound).</summary>
internal sealed class InvariantViolationException(string message) : Exception(message);
