namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>
/// <c>caches</c> (its <c>match</c>, <c>delete</c> and <c>default</c> are C# functions) and the promises of host
/// tasks that are already done when they are asked for (a memory-tier hit, a read that fails at once): an
/// already-settled promise, so its reactions run before those of microtasks queued after it.
/// </summary>
public sealed class CacheApiTests(CacheApiScript script) : IClassFixture<CacheApiScript>
{
    [Fact]
    public async Task A_cache_hit_is_an_already_settled_promise_whose_reaction_runs_before_a_later_microtask()
        => Assert.Equal("[\"match 200\",\"microtask\"]", await script.RunAsync("match-hit-settles-before-a-later-microtask"));

    // text() is an async function of the prelude: its own awaits put its rejection after the later microtask.
    [Fact]
    public async Task A_host_task_that_fails_at_once_rejects_with_a_TypeError()
        => Assert.Equal(
            "[true,[\"microtask\",\"TypeError: The body is larger than 64 bytes, the most that text(), json() or arrayBuffer() read into memory; stream it instead (response.body).\"]]",
            await script.RunAsync("failed-host-task-rejects-with-a-type-error"));

    [Theory]
    [InlineData("match-headers-read-after-the-body-moved", """["text/x-test","public, max-age=600",true,"abc"]""")]
    [InlineData("match-miss-is-undefined", "\"undefined\"")]
    [InlineData("match-bad-url-rejects", "[true,\"TypeError\"]")]
    [InlineData("match-on-a-non-cache-rejects", "\"TypeError\"")]
    [InlineData("match-of-another-method-needs-ignore-method", "[\"undefined\",200,200]")]
    [InlineData("match-uses-cf-cache-key", "[200,\"undefined\"]")]
    [InlineData("delete-then-match", "[true,false,\"undefined\"]")]
    [InlineData("opened-cache-is-its-own", "[true,true,200,\"undefined\"]")]
    public async Task Cache_match_and_delete_follow_the_Workers_Cache_API(string name, string expected)
        => Assert.Equal(expected, await script.RunAsync(name));

    [Theory]
    [InlineData("default-is-one-cache", "[true,true,1,1,\"function\"]")]
    [InlineData("default-read-from-another-object-throws", "\"TypeError\"")]
    public async Task Caches_default_is_one_Cache_read_by_a_getter(string name, string expected)
        => Assert.Equal(expected, await script.RunAsync(name));

    [Fact]
    public async Task A_promise_given_to_respondWith_sends_the_Response_it_resolves_to()
        => Assert.Equal("\"sent\"", await script.RunAsync("responds-with-what-a-promise-gives"));
}
