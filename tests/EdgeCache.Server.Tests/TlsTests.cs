using System.Net;
using EdgeCache.Server.Settings;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

public sealed class TlsTests
{
    [Fact]
    public async Task An_https_listener_with_a_PEM_certificate_negotiates_HTTP2()
    {
        using var certificates = TestCertificates.Create();
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["Handler"] = "example",
            ["Listen"] = "https://127.0.0.1:0",
            ["CertificatePath"] = certificates.ServerPemPath,
            ["CertificateKeyPath"] = certificates.ServerKeyPath,
        });
        using var client = new HttpClient(certificates.TrustingHandler()) { BaseAddress = server.BaseUri };

        using var request = new HttpRequestMessage(HttpMethod.Get, "/tls") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.SendAsync(request);

        Assert.Equal("https", server.BaseUri.Scheme);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("/tls v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_https_listener_without_a_certificate_is_refused_naming_the_setting()
    {
        var ex = await Assert.ThrowsAsync<SettingsException>(() => InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = "http://127.0.0.1:1",
            ["Listen"] = "https://127.0.0.1:0",
        }));
        Assert.Contains("--tls-certificate", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example")]
    [InlineData("proxy")]
    public async Task An_https_origin_is_validated_and_a_private_CA_is_trusted_only_when_configured(string handler)
    {
        using var certificates = TestCertificates.Create();
        await using var origin = await TestOrigin.StartAsync(certificates.Server);
        Assert.Equal("https", origin.BaseUri.Scheme);

        await using (var untrusting = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["Handler"] = handler,
        }))
        {
            using var refused = await untrusting.Client.GetAsync("/secure");
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.Equal(0, origin.Hits("/secure"));
        }

        await using var trusting = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["Handler"] = handler,
            ["OriginCaFile"] = certificates.CaPemPath,
        });
        using var response = await trusting.Client.GetAsync("/secure");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/secure v1", await response.Content.ReadAsStringAsync());
    }
}
