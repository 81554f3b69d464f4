using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using EdgeCache.Server.Hosting;
using EdgeCache.Server.Settings;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Hosting;

/// <summary>
/// <c>EdgeCache:NativeHeapTrimInterval</c>: glibc's free heap memory is given back to the system once the server has
/// started and then periodically; 00:00:00 turns it off; anything outside 1 s to 1 h is a start-up error.
/// </summary>
public sealed class NativeHeapTrimmerTests
{
    [Fact]
    public void A_trim_gives_freed_heap_memory_that_malloc_kept_back_to_the_system()
    {
        Assert.True(NativeHeap.CanTrim, "glibc's malloc_trim is found on Linux; these tests run there");
        const int Blocks = 1024;
        const int BlockBytes = 48 * 1024;

        // Each freed block lies between two live small ones, so free() cannot shrink the arena: only a trim releases it.
        var blocks = new nint[Blocks];
        var pins = new nint[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            pins[i] = Marshal.AllocHGlobal(16);
            for (var offset = 0; offset < BlockBytes; offset += 4096)
            {
                Marshal.WriteByte(blocks[i], offset, 1);
            }
        }

        var allocated = RssAnonKiB();
        try
        {
            foreach (var block in blocks)
            {
                Marshal.FreeHGlobal(block);
            }

            var freed = RssAnonKiB();
            NativeHeap.Trim();
            var released = allocated - RssAnonKiB();

            // 48 MB were free in the arena; other tests allocate beside this one (and a server they start trims too:
            // the trim here may find the blocks given back already), so ask for well over half of it.
            Assert.True(released > 32 * 1024, $"48 MiB freed and trimmed, but RSS fell by only {released} KiB ({allocated} KiB with the blocks, {freed} KiB after freeing them)");
        }
        finally
        {
            foreach (var pin in pins)
            {
                Marshal.FreeHGlobal(pin);
            }
        }
    }

    [Fact]
    public async Task The_server_trims_once_it_has_started()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["WarmUp"] = "00:00:00",
        });

        var trimmer = server.App.Services.GetRequiredService<NativeHeapTrimmer>();
        Assert.True(trimmer.Trims >= 1, "no trim ran at start-up");
        using var response = await server.Client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task With_the_interval_zero_no_trimmer_runs()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["WarmUp"] = "00:00:00",
            ["NativeHeapTrimInterval"] = "00:00:00",
        });

        Assert.Null(server.App.Services.GetService<NativeHeapTrimmer>());
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("-00:00:01")]
    [InlineData("01:00:01")]
    public void An_interval_below_a_second_or_above_an_hour_is_refused(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:1", NativeHeapTrimInterval = TimeSpan.Parse(value, CultureInfo.InvariantCulture) };

        Assert.Contains(settings.Validate(), e => e.Contains("EdgeCache:NativeHeapTrimInterval", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:01")]
    [InlineData("01:00:00")]
    public void Off_and_intervals_from_a_second_to_an_hour_are_accepted(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:1", NativeHeapTrimInterval = TimeSpan.Parse(value, CultureInfo.InvariantCulture) };

        Assert.DoesNotContain(settings.Validate(), e => e.Contains("EdgeCache:NativeHeapTrimInterval", StringComparison.Ordinal));
    }

    private static long RssAnonKiB()
        => long.Parse(
            File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);
}
