using EdgeCache.Semantics.Rfc9111;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class InvalidationAndUpdateTests
{
    private static readonly Uri Target = new("http://origin.example:8080/items/1?x=1");

    [Theory]
    [InlineData("POST", 200, true)]
    [InlineData("PUT", 201, true)]
    [InlineData("DELETE", 204, true)]
    [InlineData("PATCH", 303, true)]
    [InlineData("UNKNOWNMETHOD", 200, true)]
    [InlineData("POST", 404, false)]
    [InlineData("POST", 500, false)]
    [InlineData("GET", 200, false)]
    [InlineData("HEAD", 200, false)]
    [InlineData("OPTIONS", 200, false)]
    public void Rfc9111_4_4_Non_error_responses_to_unsafe_methods_invalidate(string method, int status, bool invalidates)
        => Assert.Equal(invalidates, Invalidation.Invalidates(method, status));

    [Fact]
    public void Rfc9111_4_4_Location_and_Content_Location_of_the_same_origin_are_invalidated()
    {
        var targets = Invalidation.Targets(Target, "/items", "http://origin.example:8080/items/1/v2");

        Assert.Equal(
            ["http://origin.example:8080/items/1?x=1", "http://origin.example:8080/items", "http://origin.example:8080/items/1/v2"],
            targets.Select(u => u.AbsoluteUri));
    }

    [Theory]
    [InlineData("http://other.example:8080/items")]
    [InlineData("https://origin.example:8080/items")]
    [InlineData("http://origin.example:9090/items")]
    public void Rfc9111_4_4_References_to_another_origin_are_not_invalidated(string location)
        => Assert.Single(Invalidation.Targets(Target, location, null));

    [Fact]
    public void Rfc9111_4_4_Unparseable_references_are_ignored()
        => Assert.Single(Invalidation.Targets(Target, "http://[bad", "  "));

    [Fact]
    public void Rfc9111_3_2_A_304_replaces_stored_fields_of_the_same_name_and_adds_new_ones()
    {
        var stored = Headers(("Cache-Control", "max-age=10"), ("ETag", "\"a\""), ("X-Old", "1"), ("Content-Type", "text/plain"));
        var notModified = Headers(("Cache-Control", "max-age=60"), ("X-New", "2"), ("Content-Length", "0"), ("Connection", "close"));

        var merged = HeaderUpdate.Merge(stored, notModified, []);

        Assert.Equal(
            [("ETag", "\"a\""), ("X-Old", "1"), ("Content-Type", "text/plain"), ("Cache-Control", "max-age=60"), ("X-New", "2")],
            merged.Select(h => (h.Key, h.Value)));
    }

    [Fact]
    public void Rfc9111_3_2_Several_lines_of_one_field_replace_all_stored_lines()
    {
        var merged = HeaderUpdate.Merge(Headers(("Link", "a"), ("Link", "b")), Headers(("Link", "c"), ("Link", "d")), []);

        Assert.Equal(["c", "d"], merged.Select(h => h.Value));
    }
}
