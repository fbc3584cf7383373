using System.Globalization;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspireP2P.Testing;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The real AppHost started through Aspire.Hosting.Testing: DCP, node processes (and the dashboard when asked),
/// on random public ports. Started once per test class and ready when every node is healthy. Reads and posts go
/// through AspireP2P.Testing (<see cref="Testing"/>), as a user's own distributed tests would.
/// </summary>
public abstract class AspireNetwork(int nodeCount, bool withDashboard, params string[] appHostArgs) : IAsyncLifetime
{
    private DistributedApplication? _app;
    private P2PTestNetwork? _testing;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The network has not started.");

    /// <summary>The AppHost's network (<c>network</c>) through AspireP2P.Testing's helpers.</summary>
    public P2PTestNetwork Testing => _testing ?? throw new InvalidOperationException("The network has not started.");

    public int NodeCount => nodeCount;

    /// <summary>The key the test gives the dashboard's telemetry API (<c>AppHost:DashboardApiKey</c>).</summary>
    public string DashboardApiKey { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The network's API key (the AppHost's <c>api-key</c> parameter): mutating calls carry it as <c>X-Api-Key</c>.</summary>
    public string ApiKey { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The network's key (the AppHost's <c>network-key</c> parameter): a node without it is not admitted.</summary>
    public string NetworkKey { get; } = Guid.NewGuid().ToString("N");

    public static string NodeName(int index) => $"node-{index}";

    public IEnumerable<string> NodeNames => Enumerable.Range(0, nodeCount).Select(NodeName);

    /// <summary>The node's public endpoint: the AppHost's proxy port, the address peers dial.</summary>
    public Uri Endpoint(int index) => App.GetEndpoint(NodeName(index), "http");

    /// <summary>What <c>GET /peers</c> of a neighbour lists for this node.</summary>
    public string PeerUrl(int index) => $"ws://{Endpoint(index).Authority}";

    public HttpClient CreateClient(int index) => CreateClient(NodeName(index));

    public HttpClient CreateClient(string node)
    {
        var http = App.CreateHttpClient(node, "http");
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    public P2PDashboardTelemetry CreateDashboardClient() => Testing.CreateDashboardClient();

    public Task<string[]> GetPeersAsync(int index) =>
        Testing.GetPeersAsync(NodeName(index), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

    public Task<JsonElement[]> GetRecordsAsync(int index) =>
        Testing.GetRecordsAsync(NodeName(index), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

    /// <summary>The node's digest (32 hex digits): equal digests mean the same feed entries held.</summary>
    public Task<string> GetDigestAsync(int index) =>
        Testing.GetDigestAsync(NodeName(index), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

    /// <summary>Posts <c>{"record": value}</c> at a node and returns the trace id the node answers with.</summary>
    public async Task<string> PostRecordAsync(int index, string value)
    {
        var posted = await Testing.PostRecordAsync(NodeName(index), value, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        return posted.TraceId ?? throw new InvalidOperationException($"{NodeName(index)} answered without a trace id for '{value}'");
    }

    /// <summary>Waits until every node stores a record whose value matches.</summary>
    public Task WaitForRecordEverywhereAsync(Func<string, bool> matches, string what) =>
        Testing.WaitForRecordEverywhereAsync(r => r.ValueKind == JsonValueKind.String && matches(r.GetString()!), what, Timeouts.Converge, TestContext.Current.CancellationToken);

    /// <summary>On a chain every node is linked to its neighbours: the predecessor it dialed and the successor that dialed it.</summary>
    public string[] ExpectedPeers(int index) =>
        [.. new[] { index - 1, index + 1 }.Where(i => i >= 0 && i < nodeCount).Select(PeerUrl).Order(StringComparer.Ordinal)];

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(
            [
                "--nodes", nodeCount.ToString(CultureInfo.InvariantCulture), $"--AppHost:DashboardApiKey={DashboardApiKey}",
                // Explicit keys: the generated defaults would be saved in the developer's user secrets.
                $"--Parameters:api-key={ApiKey}", $"--Parameters:network-key={NetworkKey}",
                .. appHostArgs,
            ],
            (options, _) => options.DisableDashboard = !withDashboard,
            TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        // Every node's console is forwarded to the test's logger; warnings and errors are what a failing run needs.
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        await _app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        _testing = P2PTestNetwork.For(_app, "network");
        await _testing.WaitForHealthyAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(Timeouts.Stop);
            await _app.DisposeAsync().AsTask().WaitAsync(Timeouts.Stop);
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Three nodes with the dashboard, whose telemetry API the trace tests read: a trace budget of one new trace a second
/// per node (after a first handful), and one of the dashboard's limits set on the command line.
/// </summary>
public sealed class ThreeNodeNetwork() : AspireNetwork(nodeCount: 3, withDashboard: true, "--traces-per-second", "3", $"--Dashboard:TelemetryLimits:MaxLogCount={MaxLogCount}")
{
    public const int MaxLogCount = 12_345;
}

/// <summary>Five nodes without the dashboard: records must cross four hops.</summary>
public sealed class FiveNodeNetwork() : AspireNetwork(nodeCount: 5, withDashboard: false);

/// <summary>Networks of real processes run one at a time, after the in-process tests, so they do not compete for the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AspireNetworks
{
    public const string Name = "Aspire network";
}
