using EdgeCache.Http;

namespace EdgeCache.Tests.Http;

public sealed class HopByHopHeadersTests
{
    [Theory]
    [InlineData("Transfer-Encoding")]
    [InlineData("keep-alive")]
    [InlineData("Proxy-Authorization")]
    public void Standard_hop_by_hop_fields_are_always_in_the_set(string name)
    {
        Assert.Contains(name, HopByHopHeaders.For(null));
        Assert.Contains(name, HopByHopHeaders.For(["X-Private, close"]));
    }

    [Fact]
    public void Fields_named_by_Connection_join_the_set_for_that_message_only()
    {
        var named = HopByHopHeaders.For(["keep-alive, X-Private", " x-other ,"]);

        Assert.Contains("x-private", named);
        Assert.Contains("X-Other", named);
        Assert.Contains("close", HopByHopHeaders.For(["close"]));
        Assert.DoesNotContain("X-Private", HopByHopHeaders.For(["keep-alive"]));
        Assert.DoesNotContain("X-Private", HopByHopHeaders.For(null));
    }

    [Fact]
    public void A_Connection_field_of_standard_tokens_costs_no_new_set()
        => Assert.Same(HopByHopHeaders.For(null), HopByHopHeaders.For(["keep-alive", "Keep-Alive, TE"]));
}
