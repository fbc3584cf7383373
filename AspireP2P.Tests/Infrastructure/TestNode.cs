using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// A real node on a free loopback port, in this process: real Kestrel, and links over real WebSockets or, when given an
/// <see cref="InMemoryNetwork"/>, over the in-memory transport (the HTTP API stays on Kestrel either way).
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly IDisposable? _registration;

    private TestNode(WebApplication app, string name, InMemoryNetwork? network)
    {
        _app = app;
        Name = name;
        Core = app.Services.GetRequiredService<NodeCore>();
        Http = new HttpClient { BaseAddress = Identity.Address.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
        _registration = network?.Register(Identity.Address, Core.Acceptor);
    }

    public string Name { get; }

    public HttpClient Http { get; }

    /// <summary>The node's core: its records, mesh, keys.</summary>
    public NodeCore Core { get; }

    public LocalNode Identity => Core.Local;

    public IServiceProvider Services => _app.Services;

    /// <summary><c>127.0.0.1:port</c>, the form the tutorial's flags and HANDSHAKE use.</summary>
    public string Address => Identity.Address.ToString();

    public string WebSocketUrl => Identity.Address.WebSocketUrl;

    public NodeOptions Options => _app.Services.GetRequiredService<IOptions<NodeOptions>>().Value;

    public static Task<TestNode> StartAsync(string name, params string[] args) => StartAsync(name, time: null, network: null, args);

    public static Task<TestNode> StartAsync(string name, TimeProvider? time, params string[] args) => StartAsync(name, time, network: null, args);

    /// <param name="services">Registers services the node then uses instead of its own (a record log a test can make fail).</param>
    public static Task<TestNode> StartAsync(string name, Action<IServiceCollection> services, params string[] args) => StartAsync(name, time: null, network: null, services, args);

    /// <param name="services">Registers services the node then uses instead of its own; <paramref name="time"/> drives its timers.</param>
    public static Task<TestNode> StartAsync(string name, TimeProvider? time, Action<IServiceCollection> services, params string[] args) => StartAsync(name, time, network: null, services, args);

    /// <param name="time">A clock for the node's timers (back-off, heartbeats); a FakeTimeProvider lets a test step through them.</param>
    /// <param name="network">Links over this in-memory network instead of WebSockets (the HTTP API stays on Kestrel).</param>
    public static Task<TestNode> StartAsync(string name, TimeProvider? time, InMemoryNetwork? network, params string[] args) => StartAsync(name, time, network, services: null, args);

    private static async Task<TestNode> StartAsync(string name, TimeProvider? time, InMemoryNetwork? network, Action<IServiceCollection>? services, string[] args)
    {
        TestNode? node = null;
        // The test's name is the node's display name (as the AppHost names its nodes); a test's own --name/--node-id wins.
        var app = NodeApp.Create(["--host", "127.0.0.1", "--port", "0", "--name", name, .. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            if (network is not null)
            {
                // The node's own address is known only once Kestrel listens: the transport asks for it when it first dials.
                builder.Services.AddSingleton<IPeerTransport>(sp => new DeferredTransport(() => network.TransportFor(sp.GetRequiredService<NodeCore>().Local.Address)));
            }

            services?.Invoke(builder.Services);
        });
        await app.StartAsync().WaitAsync(Timeouts.Start);
        node = new TestNode(app, name, network);
        return node;
    }

    /// <summary>A transport created on first use.</summary>
    private sealed class DeferredTransport(Func<IPeerTransport> create) : IPeerTransport
    {
        private readonly Lazy<IPeerTransport> _transport = new(create);

        public Task<DialResult> DialAsync(Node.Protocol.PeerAddress address, IReadOnlyDictionary<string, string> headers, TimeSpan timeout, CancellationToken cancellationToken) =>
            _transport.Value.DialAsync(address, headers, timeout, cancellationToken);
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
        _registration?.Dispose();
        Http.Dispose();
        await _app.StopAsync().WaitAsync(Timeouts.Stop);
        await _app.DisposeAsync();
    }
}
