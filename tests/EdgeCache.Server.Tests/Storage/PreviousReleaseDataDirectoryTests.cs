using System.Globalization;
using System.Net;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>
/// An upgrade keeps what the previous release cached: the server starts on a copy of a data directory that
/// the last landed release wrote (<c>PreviousRelease/data</c>, made by <c>make-fixture.sh</c>; which release is
/// in <c>written-by-commit.txt</c>), through the proxy and through the example handler (whose Cache API
/// entries joined each field's values into one line), and serves every entry as a hit, byte for byte,
/// with the fields the origin sent. The origin URL in the keys is one where nothing listens: a miss fails.
/// </summary>
public sealed class PreviousReleaseDataDirectoryTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(RepositoryPaths.Root, "tests", "EdgeCache.Server.Tests", "Storage", "PreviousRelease", "data");
    private readonly StorageDirectory _copy = new();

    public static TheoryData<string, string> Entries => new()
    {
        { "proxy", "multi" },
        { "proxy", "large" },
        { "worker", "multi" },
        { "worker", "large" },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public async Task An_entry_the_previous_release_cached_is_served_whole_with_its_fields(string frontDoor, string name)
    {
        CopyDirectory(Path.Combine(Fixture, frontDoor), _copy.Path);
        var writtenAt = DateTimeOffset.Parse(File.ReadAllText(Path.Combine(Fixture, "written-at.txt")).Trim(), CultureInfo.InvariantCulture);

        // The example handler's entries live 10 s (its appended s-maxage=10): the clock stands just after they were written.
        var clock = new FakeTimeProvider(writtenAt + TimeSpan.FromSeconds(2));
        var settings = new Dictionary<string, string?>
        {
            ["Origin"] = "http://127.0.0.1:47613/",
            ["Store"] = "disk",
            ["DataDir"] = _copy.Path,
            ["AdminListen"] = "none",
        };
        if (frontDoor == "worker")
        {
            settings["Handler"] = "example";
        }

        await using var server = await InProcessServer.StartAsync(settings, services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(clock);
        });

        using var response = await server.Client.GetAsync(new Uri($"/{frontDoor}/{name}", UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HIT", Field(response, "cf-cache-status"));
        Assert.Equal(ExpectedBody(frontDoor, name), body);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal(name == "large" ? "application/octet-stream" : "text/plain; charset=utf-8", Field(response, "Content-Type"));
        Assert.Equal($"\"{body.Length}\"", Field(response, "ETag"));
        Assert.Equal("Tue, 01 Dec 2026 12:00:00 GMT", Field(response, "Last-Modified"));
        Assert.Equal("Accept-Encoding", Field(response, "Vary"));
        Assert.Equal("first, second, with a comma", Field(response, "X-Multi"));
        Assert.Equal("</a.css>; rel=preload, </b.js>; rel=preload", Field(response, "Link"));
        Assert.Equal(frontDoor == "worker" ? "public, max-age=315360000, s-maxage=10" : "public, max-age=315360000", Field(response, "Cache-Control"));
        Assert.Null(Field(response, "Cache-Tag"));
        Assert.InRange(int.Parse(Field(response, "Age")!, CultureInfo.InvariantCulture), 0, 10);
    }

    public void Dispose() => _copy.Dispose();

    private static byte[] ExpectedBody(string frontDoor, string name)
        => name == "large"
            ? Enumerable.Range(0, 300_000).Select(i => (byte)(i % 251)).ToArray()
            : System.Text.Encoding.UTF8.GetBytes($"body of /{frontDoor}/{name}\n");

    /// <summary>A field's lines joined as a recipient may combine them (the old Cache API format stored them joined).</summary>
    private static string? Field(HttpResponseMessage response, string name)
        => response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    private static void CopyDirectory(string from, string to)
    {
        Assert.True(Directory.Exists(from), $"the fixture {from} is missing: run make-fixture.sh");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
