using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Testing;

/// <summary>
/// A started AspireP2P network (<c>AddP2PNetwork</c>) as a distributed test drives it: its nodes, their health and
/// convergence, records posted and awaited on every node, partitions and heals (the dashboard's fault commands), and
/// the dashboard's telemetry. Every wait has a deadline and fails with a <see cref="TimeoutException"/> that says what
/// it last saw. Thread-safe. <see cref="StartAsync{TEntryPoint}"/> starts an AppHost and owns it (dispose to stop it);
/// <see cref="For"/> drives a network in an application the test started itself.
/// </summary>
public sealed class P2PTestNetwork : IAsyncDisposable
{
    /// <summary>The deadline of a wait when none is given: long enough for a network of processes to start on a busy machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The deadline of one HTTP request to a node or the dashboard.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private const string EndpointName = "http";
    private const string PartitionCommand = "partition";
    private const string HealCommand = "heal";

    private readonly DistributedApplication _app;
    private readonly P2PNetworkResource _network;
    private readonly IAsyncDisposable? _builder;

    /// <param name="builder">The testing builder that made <paramref name="app"/>, when this owns both (disposing it disposes the app's services).</param>
    private P2PTestNetwork(DistributedApplication app, P2PNetworkResource network, IAsyncDisposable? builder = null)
    {
        _app = app;
        _network = network;
        _builder = builder;
        Nodes = [.. network.Nodes.Where(n => n.Annotations.OfType<P2PNodeAnnotation>().All(a => !a.Spare)).Select(n => n.Name)];
        Spares = [.. network.Nodes.Where(n => n.Annotations.OfType<P2PNodeAnnotation>().Any(a => a.Spare)).Select(n => n.Name)];
    }

    /// <summary>The application the network runs in.</summary>
    public DistributedApplication App => _app;

    /// <summary>The network's name, as given to <c>AddP2PNetwork</c>.</summary>
    public string Name => _network.Name;

    /// <summary>The nodes that start with the network (node processes, and apps that joined it), in the order declared.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The spares: declared, started only when asked.</summary>
    public IReadOnlyList<string> Spares { get; }

    /// <summary>
    /// Starts the AppHost <typeparamref name="TEntryPoint"/> (<c>Projects.MyAppHost</c>) through Aspire.Hosting.Testing
    /// and waits until every node of its network <paramref name="network"/> is healthy. With <paramref name="dashboard"/>,
    /// the dashboard runs too, with a telemetry API key of this run's own (<see cref="CreateDashboardClient"/>). Dispose
    /// the result to stop everything.
    /// </summary>
    /// <typeparam name="TEntryPoint">A type of the AppHost's assembly.</typeparam>
    /// <param name="network">The name given to <c>AddP2PNetwork</c>.</param>
    /// <param name="args">The AppHost's command line.</param>
    /// <param name="dashboard">Run the dashboard (its telemetry is then readable).</param>
    /// <param name="timeout">For building, starting and the nodes' health together; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<P2PTestNetwork> StartAsync<TEntryPoint>(
        string network, string[]? args = null, bool dashboard = false, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TEntryPoint : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        string[] arguments = [.. args ?? [], .. dashboard ? [$"--AppHost:DashboardApiKey={Guid.NewGuid():N}"] : Array.Empty<string>()];
        IDistributedApplicationTestingBuilder? builder = null;
        DistributedApplication? app = null;
        try
        {
            builder = await DistributedApplicationTestingBuilder.CreateAsync<TEntryPoint>(
                arguments, (options, _) => options.DisableDashboard = !dashboard, deadline.Token).ConfigureAwait(false);
            app = await builder.BuildAsync(deadline.Token).ConfigureAwait(false);
            await app.StartAsync(deadline.Token).ConfigureAwait(false);
            var started = new P2PTestNetwork(app, For(app, network)._network, builder);
            await started.WaitForHealthyAsync(timeout, deadline.Token).ConfigureAwait(false);
            return started;
        }
        catch (Exception ex)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (builder is not null)
            {
                await builder.DisposeAsync().ConfigureAwait(false);
            }

            if (ex is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0} s starting the network {network}.", ex);
            }

            throw;
        }
    }

    /// <summary>Stops and disposes the application when <see cref="StartAsync{TEntryPoint}"/> started it; otherwise nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_builder is not null)
        {
            using var stopping = new CancellationTokenSource(DefaultTimeout);
            try
            {
                await _app.StopAsync(stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                await _app.DisposeAsync().ConfigureAwait(false);
                await _builder.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The network named <paramref name="network"/> in a built (or started) application.</summary>
    /// <param name="app">The application, from <c>DistributedApplicationTestingBuilder</c>.</param>
    /// <param name="network">The name given to <c>AddP2PNetwork</c>.</param>
    /// <exception cref="ArgumentException">The application has no P2P network of that name.</exception>
    public static P2PTestNetwork For(DistributedApplication app, string network)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(network);
        var resources = app.Services.GetRequiredService<DistributedApplicationModel>().Resources;
        var found = resources.OfType<P2PNetworkResource>().FirstOrDefault(r => r.Name == network)
            ?? throw new ArgumentException(
                $"The application has no P2P network named '{network}'; its networks: [{string.Join(", ", resources.OfType<P2PNetworkResource>().Select(r => r.Name))}].",
                nameof(network));
        return new P2PTestNetwork(app, found);
    }

    /// <summary>Waits until every node (not the spares) is healthy: listening, and linked once it has a peer to dial.</summary>
    public async Task WaitForHealthyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = timeout ?? DefaultTimeout;
        try
        {
            await Task.WhenAll(Nodes.Select(node => _app.ResourceNotifications.WaitForResourceHealthyAsync(node, cancellationToken)))
                .WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var states = new List<string>();
            foreach (var node in Nodes)
            {
                _app.ResourceNotifications.TryGetCurrentState(node, out var state);
                states.Add($"{node}: {state?.Snapshot.State?.Text ?? "unknown"}, {state?.Snapshot.HealthStatus?.ToString() ?? "no health yet"}");
            }

            throw new TimeoutException($"Timed out after {deadline.TotalSeconds:0} s waiting for the nodes of {Name} to be healthy; {string.Join("; ", states)}");
        }
    }

    /// <summary>An HttpClient for the node's API that sends the network's API key (<c>X-Api-Key</c>), as mutating calls need.</summary>
    /// <param name="node">A node's resource name.</param>
    public async Task<HttpClient> CreateNodeClientAsync(string node, CancellationToken cancellationToken = default)
    {
        var apiKey = await _network.ApiKey.GetValueAsync(cancellationToken).AsTask().WaitAsync(RequestTimeout, cancellationToken).ConfigureAwait(false);
        var http = _app.CreateHttpClient(node, EndpointName);
        http.Timeout = RequestTimeout;
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }

    /// <summary>The addresses the node is linked to (<c>GET /peers</c>, the tutorial's API).</summary>
    public async Task<string[]> GetPeersAsync(string node, CancellationToken cancellationToken = default)
    {
        using var http = await CreateNodeClientAsync(node, cancellationToken).ConfigureAwait(false);
        return await http.GetFromJsonAsync("/peers", TestingJsonContext.Default.StringArray, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>The record values the node holds (<c>GET /records</c>), as JSON: a string for a plain record.</summary>
    public async Task<JsonElement[]> GetRecordsAsync(string node, CancellationToken cancellationToken = default)
    {
        using var http = await CreateNodeClientAsync(node, cancellationToken).ConfigureAwait(false);
        return await http.GetFromJsonAsync("/records", TestingJsonContext.Default.JsonElementArray, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>The node's digest of the records it holds: equal digests on two nodes mean the same records.</summary>
    public async Task<string> GetDigestAsync(string node, CancellationToken cancellationToken = default)
    {
        using var http = await CreateNodeClientAsync(node, cancellationToken).ConfigureAwait(false);
        var info = await http.GetFromJsonAsync("/api/node", TestingJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);
        return info.GetProperty("digest").GetString() ?? throw new InvalidOperationException($"{node} answered /api/node without a digest.");
    }

    /// <summary>Posts <c>{"record": value}</c> at a node (<c>POST /record</c>) and returns the record's key and trace id.</summary>
    /// <exception cref="HttpRequestException">The node refused it (the message carries its answer).</exception>
    public async Task<P2PPostedRecord> PostRecordAsync(string node, string value, CancellationToken cancellationToken = default)
    {
        using var http = await CreateNodeClientAsync(node, cancellationToken).ConfigureAwait(false);
        using var response = await http.PostAsJsonAsync("/record", new RecordPost(value), TestingJsonContext.Default.RecordPost, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"{node} answered POST /record with {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        var created = await response.Content.ReadFromJsonAsync(TestingJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);
        return new P2PPostedRecord(
            created.GetProperty("key").GetString()!,
            created.TryGetProperty("traceId", out var trace) && trace.ValueKind == JsonValueKind.String ? trace.GetString() : null);
    }

    /// <summary>Waits until every node (not the spares) holds a record whose value is the string <paramref name="value"/>.</summary>
    public Task WaitForRecordEverywhereAsync(string value, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForRecordEverywhereAsync(r => r.ValueKind == JsonValueKind.String && r.GetString() == value, $"the record '{value}'", timeout, cancellationToken);

    /// <summary>Waits until every node (not the spares) holds a record that <paramref name="matches"/>.</summary>
    /// <param name="matches">Tests one record value (JSON).</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    public Task WaitForRecordEverywhereAsync(Func<JsonElement, bool> matches, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var deadline = timeout ?? DefaultTimeout;
        return Task.WhenAll(Nodes.Select(node => Poll.UntilAsync(
            ct => GetRecordsAsync(node, ct),
            records => records.Any(matches),
            records => $"{records.Length} records",
            deadline, $"{what} at {node}", cancellationToken)));
    }

    /// <summary>
    /// Waits until each named node is linked to exactly as many peers as given (<c>GET /peers</c>); for the shape of a
    /// network once it has formed, e.g. a chain's ends 1 and its middle 2.
    /// </summary>
    public async Task WaitForLinkCountsAsync(IReadOnlyDictionary<string, int> expected, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var names = expected.Keys.ToArray();
        await Poll.UntilAsync(
            async ct => await Task.WhenAll(names.Select(async node => (await GetPeersAsync(node, ct).ConfigureAwait(false)).Length)).ConfigureAwait(false),
            counts => names.Select((node, i) => counts[i] == expected[node]).All(equal => equal),
            counts => string.Join(", ", names.Zip(counts, (node, count) => $"{node} {count}")),
            timeout ?? DefaultTimeout, $"the link counts {string.Join(", ", expected.Select(e => $"{e.Key} {e.Value}"))}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every node (not the spares) holds the same records (equal digests); returns that digest.</summary>
    public async Task<string> WaitForConvergenceAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var digests = await Poll.UntilAsync(
            async ct => await Task.WhenAll(Nodes.Select(node => GetDigestAsync(node, ct))).ConfigureAwait(false),
            all => all.Distinct(StringComparer.Ordinal).Count() == 1,
            all => string.Join(", ", Nodes.Zip(all, (node, digest) => $"{node}: {digest}")),
            timeout ?? DefaultTimeout, $"the nodes of {Name} to converge", cancellationToken).ConfigureAwait(false);
        return digests[0];
    }

    /// <summary>
    /// Cuts every link of the node for <paramref name="duration"/> (the dashboard's Partition command: nothing sent,
    /// everything received discarded, no dials); <see cref="HealAsync"/> ends it sooner.
    /// </summary>
    /// <param name="node">A node process of the network (an app that hosts the node has the command too).</param>
    /// <param name="duration">Whole seconds, from 1 s to 1 hour.</param>
    /// <exception cref="InvalidOperationException">The command failed (its message says why).</exception>
    public Task PartitionAsync(string node, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (duration < TimeSpan.FromSeconds(1) || duration > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "A partition lasts from 1 second to 1 hour.");
        }

        var seconds = ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ExecuteAsync(node, PartitionCommand, new InteractionInputCollection([new InteractionInput { Name = "seconds", InputType = InputType.Number, Value = seconds }]), cancellationToken);
    }

    /// <summary>Ends the node's partition and link faults (the dashboard's Heal command).</summary>
    /// <exception cref="InvalidOperationException">The command failed (its message says why).</exception>
    public Task HealAsync(string node, CancellationToken cancellationToken = default) =>
        ExecuteAsync(node, HealCommand, arguments: null, cancellationToken);

    /// <summary>
    /// A client of the dashboard's telemetry API, with the key the application was started with
    /// (<c>--AppHost:DashboardApiKey=…</c>: pass one, with the dashboard enabled).
    /// </summary>
    /// <exception cref="InvalidOperationException">The application has no dashboard, or no <c>AppHost:DashboardApiKey</c>.</exception>
    public P2PDashboardTelemetry CreateDashboardClient()
    {
        var key = _app.Services.GetRequiredService<IConfiguration>()["AppHost:DashboardApiKey"];
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException("The dashboard's telemetry API needs a key: start the application with --AppHost:DashboardApiKey=<key> (and the dashboard enabled).");
        }

        var http = new HttpClient { BaseAddress = _app.GetEndpoint("aspire-dashboard", EndpointName), Timeout = RequestTimeout };
        http.DefaultRequestHeaders.Add("X-API-Key", key);
        return new P2PDashboardTelemetry(http);
    }

    private async Task ExecuteAsync(string node, string command, InteractionInputCollection? arguments, CancellationToken cancellationToken)
    {
        var result = await (arguments is null
                ? _app.ResourceCommands.ExecuteCommandAsync(node, command, cancellationToken)
                : _app.ResourceCommands.ExecuteCommandAsync(node, command, arguments, cancellationToken))
            .WaitAsync(DefaultTimeout, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {node} failed: {result.Message}");
        }
    }
}

/// <summary>A record posted with <see cref="P2PTestNetwork.PostRecordAsync"/>.</summary>
/// <param name="Key">Its key, <c>&lt;origin node id&gt;-&lt;seq&gt;</c>: the same on every node.</param>
/// <param name="TraceId">Its trace (32 hex digits), or null when it was not sampled.</param>
public sealed record P2PPostedRecord(string Key, string? TraceId);
