namespace EdgeCache.Semantics.Rfc9111;

/// <summary>RFC 9111 section 4.2.3: the age of a stored response, exactly as the RFC computes it.</summary>
public static class AgeCalculation
{
    /// <summary>
    /// corrected_initial_age = max(apparent_age, corrected_age_value), where
    /// apparent_age = max(0, response_time - date_value) and
    /// corrected_age_value = age_value + (response_time - request_time).
    /// </summary>
    public static TimeSpan CorrectedInitialAge(long? ageValue, DateTimeOffset? dateValue, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var apparentAge = dateValue is { } date && responseTime > date ? responseTime - date : TimeSpan.Zero;
        var responseDelay = responseTime > requestTime ? responseTime - requestTime : TimeSpan.Zero;
        var correctedAgeValue = TimeSpan.FromSeconds(ageValue ?? 0) + responseDelay;
        return apparentAge > correctedAgeValue ? apparentAge : correctedAgeValue;
    }

    /// <summary>current_age = corrected_initial_age + resident_time, resident_time = now - response_time.</summary>
    public static TimeSpan CurrentAge(TimeSpan correctedInitialAge, DateTimeOffset responseTime, DateTimeOffset now)
    {
        var resident = now > responseTime ? now - responseTime : TimeSpan.Zero;
        return correctedInitialAge + resident;
    }

    /// <summary>The Age header value: whole seconds, capped at 2^31 (section 1.2.2).</summary>
    public static long ToHeaderSeconds(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds;
        return seconds < 0 ? 0 : Math.Min(seconds, CacheControlDirectives.MaxDeltaSeconds);
    }
}
