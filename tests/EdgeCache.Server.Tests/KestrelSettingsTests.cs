using EdgeCache.Server.Hosting;
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
        var values = new Dictionary<string, string?>
        {
            ["EdgeCache:Origin"] = "http://127.0.0.1:9",
            ["EdgeCache:Listen"] = "http://127.0.0.1:0",
            ["EdgeCache:AdminListen"] = "none",
            ["EdgeCache:Store"] = "memory",
        };
        if (setting is not null)
        {
            values["EdgeCache:InlineScheduling"] = setting;
        }

        await using var app = EdgeCacheServer.Build([], c => c.AddInMemoryCollection(values));

        Assert.Equal(expected, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }
}
