using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>A real node on a free loopback port, in this process: real Kestrel, real WebSockets.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestNode(WebApplication app, string name)
    {
        _app = app;
        Name = name;
        Identity = app.Services.GetRequiredService<NodeIdentity>();
        Http = new HttpClient { BaseAddress = Identity.Address.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public HttpClient Http { get; }

    public NodeIdentity Identity { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary><c>127.0.0.1:port</c>, the form the tutorial's flags and HANDSHAKE use.</summary>
    public string Address => Identity.Address.ToString();

    public string WebSocketUrl => Identity.Address.WebSocketUrl;

    public NodeOptions Options => _app.Services.GetRequiredService<IOptions<NodeOptions>>().Value;

    public static Task<TestNode> StartAsync(string name, params string[] args) => StartAsync(name, time: null, args);

    /// <param name="time">A clock for the node's timers (back-off, heartbeats); a FakeTimeProvider lets a test step through them.</param>
    public static async Task<TestNode> StartAsync(string name, TimeProvider? time, params string[] args)
    {
        var app = NodeApp.Create(["--host", "127.0.0.1", "--port", "0", .. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        });
        await app.StartAsync().WaitAsync(Timeouts.Start);
        return new TestNode(app, name);
    }

    public async Task<string[]> GetRecordsRawAsync()
    {
        var values = await Http.GetFromJsonAsync<JsonElement[]>("/records").WaitAsync(Timeouts.Request);
        return values!.Select(v => v.GetRawText()).ToArray();
    }

    public async Task<string[]> GetPeersAsync() =>
        (await Http.GetFromJsonAsync<string[]>("/peers").WaitAsync(Timeouts.Request))!;

    public async Task<JsonElement> GetNodeInfoAsync() =>
        await Http.GetFromJsonAsync<JsonElement>("/api/node").WaitAsync(Timeouts.Request);

    public async Task<long> GetTotalAsync(string name) =>
        (await GetNodeInfoAsync()).GetProperty("totals").GetProperty(name).GetInt64();

    public async Task<HttpResponseMessage> PostRecordAsync(object record) =>
        await Http.PostAsJsonAsync("/record", new { record }).WaitAsync(Timeouts.Request);

    public async Task<HttpResponseMessage> PostPeerAsync(string targetUrl) =>
        await Http.PostAsJsonAsync("/peer", new { targetUrl }).WaitAsync(Timeouts.Connect);

    public async Task<JsonElement> GetPeerDetailsAsync() =>
        await Http.GetFromJsonAsync<JsonElement>("/api/peers").WaitAsync(Timeouts.Request);

    public async Task<string> GetDigestAsync() => (await GetNodeInfoAsync()).GetProperty("digest").GetString()!;

    public async Task<bool> IsHealthyAsync()
    {
        using var response = await Http.GetAsync("/health").WaitAsync(Timeouts.Request);
        return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync() == "Healthy";
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync().WaitAsync(Timeouts.Stop);
        await _app.DisposeAsync();
    }
}
