using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Tests.Rfc9111;

public sealed class RecentCacheControlTests
{
    [Fact]
    public void Responses_with_the_same_single_Cache_Control_value_share_its_directives()
    {
        var value = "public, max-age=" + Random.Shared.Next(1000, 9999);
        CacheControlDirectives first, second;
        var tries = 0;
        do
        {
            // Other tests parse meanwhile: one of theirs may take the slot between the two reads (rarely twice running).
            first = ResponseFacts.From(200, [new("Cache-Control", value)]).Directives;
            second = ResponseFacts.From(200, [new("Cache-Control", string.Concat(value.AsSpan(0, 7), value.AsSpan(7)))]).Directives;
        }
        while (!ReferenceEquals(first, second) && ++tries < 5);

        Assert.Same(first, second);
        Assert.True(first.Public);
        Assert.Equal(long.Parse(value[16..], System.Globalization.CultureInfo.InvariantCulture), first.MaxAge);
    }

    [Fact]
    public void Shared_directives_read_as_a_parse_of_the_value_and_several_lines_are_parsed_together()
    {
        var again = ResponseFacts.From(200, [new("Cache-Control", "private=\"Set-Cookie\", max-age=60")]).Directives;
        var two = ResponseFacts.From(200, [new("Cache-Control", "max-age=60"), new("Cache-Control", "no-store")]).Directives;
        var other = ResponseFacts.From(200, [new("Cache-Control", "max-age=61")]).Directives;

        Assert.Equal(["Set-Cookie"], again.PrivateFields);
        Assert.Equal(60, again.MaxAge);
        Assert.True(two.NoStore);
        Assert.Equal(60, two.MaxAge);
        Assert.Equal(61, other.MaxAge);
    }

    [Fact]
    public void A_private_value_in_the_slot_of_a_public_one_is_never_read_as_public()
    {
        // An attacker's origin path answering "public" must not make another response's "private" shareable: find a
        // public value that takes the same slot as the private one, then read them in turn.
        const string privateValue = "private, max-age=600";
        var slot = FieldValueSlot.Of(privateValue, RecentCacheControl.Slots);
        var publicValue = Enumerable.Range(1, 5000)
            .SelectMany(n => new[] { $"public, max-age={n}", $"max-age={n}, public", $"public, s-maxage={n}", $"s-maxage={n},public" })
            .First(v => FieldValueSlot.Of(v, RecentCacheControl.Slots) == slot);

        for (var round = 0; round < 3; round++)
        {
            var shared = ResponseFacts.From(200, [new("Cache-Control", publicValue)]).Directives;
            var own = ResponseFacts.From(200, [new("Cache-Control", privateValue)]).Directives;

            Assert.True(shared.Public);
            Assert.False(shared.Private);
            Assert.True(own.Private);
            Assert.False(own.Public);
            Assert.Equal(600, own.MaxAge);
        }
    }
}
