using System.Diagnostics.Metrics;
using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Request collapsing from the follower's side: a request that joins another client's origin fetch must get
/// only what it could have got from the store, never the leader's variant or an answer that could not be
/// shared. The leader's origin answer is held until the follower has joined (the collapsed-requests counter
/// says so), so the two really share one fetch.
/// </summary>
public sealed class CollapsedRequestAttackTests
{
    [Fact]
    public async Task A_follower_with_another_Accept_Language_never_gets_the_leaders_variant()
    {
        await using var h = await StartAsync();
        using var joined = CountJoins(out var listener);
        using var _ = listener;
        h.Origin.Handler = r =>
        {
            if (r.Header("Accept-Language")?.Contains(VictimSecret, StringComparison.Ordinal) == true)
            {
                joined.Wait(TimeSpan.FromSeconds(5));
            }

            return ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Vary", "Accept-Language"));
        };

        var victim = RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/collapsed-vary", $"Accept-Language: de-{VictimSecret}"));
        await EventuallyAsync(() => !h.Origin.Requests.IsEmpty);
        var follower = await RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/collapsed-vary", "Accept-Language: en"));
        await victim;
        await h.DrainAsync();

        Assert.Equal(200, follower.Status);
        AssertClean(follower);
        Assert.Contains("Accept-Language: en\n", follower.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max-age=600")]
    [InlineData("no-cache=\"Set-Cookie\", max-age=600")]
    public async Task A_follower_never_gets_the_answer_to_the_leaders_Authorization(string cacheControl)
    {
        // RFC 9111 section 3.5: without public, s-maxage or must-revalidate the answer to an authorized request
        // is not shared, so it must not be handed to a request that joined its fetch either.
        await using var h = await StartAsync();
        using var joined = CountJoins(out var listener);
        using var _ = listener;
        h.Origin.Handler = r =>
        {
            if (r.Header("Authorization")?.Contains(VictimSecret, StringComparison.Ordinal) == true)
            {
                joined.Wait(TimeSpan.FromSeconds(5));
            }

            return ReflectedResponse.Reflect(r, 200, ("Cache-Control", cacheControl));
        };

        var victim = RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/collapsed-auth", $"Authorization: Bearer {VictimSecret}"));
        await EventuallyAsync(() => !h.Origin.Requests.IsEmpty);
        var follower = await RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/collapsed-auth"));
        await victim;
        await h.DrainAsync();

        Assert.Equal(200, follower.Status);
        AssertClean(follower);
    }

    // Releases the returned semaphore once per request that joins another's fetch.
    private static SemaphoreSlim CountJoins(out MeterListener listener)
    {
        var joined = new SemaphoreSlim(0);
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "edgecache.collapsed_requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => joined.Release());
        listener.Start();
        return joined;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 250 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the condition did not hold in time");
    }
}
