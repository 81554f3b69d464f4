using EdgeCache.Server.Hosting;
using EdgeCache.Server.Settings;

namespace EdgeCache.Server.Tests;

public sealed class CommandLineTests
{
    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ServerCommand.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task An_unknown_flag_exits_with_code_2_and_says_what_is_wrong()
    {
        var (code, _, error) = await RunAsync("--origin", "http://127.0.0.1:1", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_origin_exits_with_code_2_naming_the_flag()
    {
        var (code, _, error) = await RunAsync("--listen", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("--origin", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--handler", "nope", "--handler")]
    [InlineData("--store", "floppy", "--store")]
    [InlineData("--memory-size", "lots", "--memory-size")]
    [InlineData("--listen", "not a url", "--listen")]
    public async Task An_invalid_value_exits_with_code_2_naming_the_setting(string flag, string value, string named)
    {
        var (code, _, error) = await RunAsync("--origin", "http://127.0.0.1:1", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_loopback_admin_listener_without_a_token_is_refused()
    {
        var (code, _, error) = await RunAsync("--origin", "http://127.0.0.1:1", "--admin-listen", "http://0.0.0.0:8788");
        Assert.Equal(2, code);
        Assert.Contains("--admin-token", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_flag_with_its_default()
    {
        var (code, output, _) = await RunAsync("--help");
        Assert.Equal(0, code);
        foreach (var flag in new[] { "--origin", "--listen", "--handler", "--store", "--memory-size", "--disk-size", "--data-dir", "--redis", "--admin-listen", "--admin-token", "--config" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }

        Assert.Contains("http://127.0.0.1:8787", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("256MB", 256L * 1024 * 1024)]
    [InlineData("2GB", 2L * 1024 * 1024 * 1024)]
    [InlineData("512k", 512L * 1024)]
    [InlineData("1.5GB", 3L * 512 * 1024 * 1024)]
    [InlineData("1048576", 1048576)]
    public void Sizes_accept_units(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MB")]
    [InlineData("-1MB")]
    [InlineData("12XB")]
    public void Bad_sizes_are_refused(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
