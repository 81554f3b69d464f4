namespace EdgeCache.AspNetCore.Proxy;

/// <summary>How a failed origin exchange reads: the origin's fault (502 or, past the timeout, 504), or the client's own body.</summary>
internal static class OriginFailure
{
    /// <summary>The status the client gets and the Cache-Status detail for an origin failure.</summary>
    public static (int Status, string Detail) Classify(Exception ex)
        => ex is TimeoutException || ex.InnerException is TimeoutException
            ? (StatusCodes.Status504GatewayTimeout, "origin-timeout")
            : (StatusCodes.Status502BadGateway, "origin-unreachable");

    /// <summary>The failure of the client's own body (its framing, as Kestrel reads it) anywhere in an exception chain, or null.</summary>
    public static Exception? ClientFraming(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException or ClientBodyException)
            {
                return e;
            }
        }

        return null;
    }
}
