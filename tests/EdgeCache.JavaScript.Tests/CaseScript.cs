namespace EdgeCache.JavaScript.Tests;

/// <summary>
/// A worker with a case per behaviour: <c>GET /name</c> runs case <c>name</c> and answers its result as JSON, so a
/// test compares what the runtime really computed with what the standard says. One worker serves a test class.
/// </summary>
public abstract class CaseScript : IAsyncLifetime
{
    private JsWorkerHost? _host;

    internal JsWorkerHost Host => _host ?? throw new InvalidOperationException("Not started.");

    /// <summary>The worker's source.</summary>
    protected abstract string Script { get; }

    /// <summary>The worker's options, when they are not the defaults.</summary>
    protected virtual Action<JavaScriptWorkerOptions>? Configure => null;

    public async Task InitializeAsync() => _host = await JsWorkerHost.StartAsync(Script, Configure);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Runs a case and returns its JSON result.</summary>
    public async Task<string> RunAsync(string name)
    {
        using var response = await Host.Client.GetAsync("/" + name);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"case {name}: {(int)response.StatusCode} {body}\n{Host.Logs.Text}");
        return body;
    }
}
