using EdgeCache.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace EdgeCache.Server.Tests;

public sealed class KestrelSettingsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Inline_scheduling_is_on_by_default_and_the_setting_turns_it_off(string? setting, bool expected)
    {
        await using var app = Build("InlineScheduling", setting);

        Assert.Equal(expected, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task Reads_take_their_buffer_without_a_zero_byte_read_first_unless_the_setting_asks_for_it(string? setting, bool expected)
    {
        await using var app = Build("WaitForDataBeforeAllocatingBuffer", setting);

        Assert.Equal(expected, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.WaitForDataBeforeAllocatingBuffer);
    }

    private static WebApplication Build(string name, string? setting)
    {
        var values = new Dictionary<string, string?>
        {
            ["EdgeCache:Origin"] = "http://127.0.0.1:9",
            ["EdgeCache:Listen"] = "http://127.0.0.1:0",
            ["EdgeCache:AdminListen"] = "none",
            ["EdgeCache:Store"] = "memory",
        };
        if (setting is not null)
        {
            values["EdgeCache:" + name] = setting;
        }

        return EdgeCacheServer.Build([], c => c.AddInMemoryCollection(values));
    }
}
