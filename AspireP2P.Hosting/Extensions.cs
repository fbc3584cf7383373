using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.Versioning;

namespace AspireP2P.AppHost;

/// <summary>How the AppHost turns the node project into resources of a P2P network.</summary>
internal static class Extensions
{
    /// <summary>The name of every node's HTTP/WebSocket endpoint.</summary>
    public const string EndpointName = "http";

    /// <summary>
    /// Adds the node's built binary as an executable (with <c>--launch NativeAot</c>, the node published with Native AOT).
    /// AddProject would start every node through its own <c>dotnet run</c> process; this skips that wrapper. The AppHost's
    /// project reference still builds the node first.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddNodeExecutable<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var projectDirectory = Path.GetDirectoryName(new TProject().ProjectPath)!;
        var projectName = Path.GetFileNameWithoutExtension(new TProject().ProjectPath);
        // The project reference builds the node in the AppHost's configuration (dotnet run -c Release builds both in
        // Release) and framework (Directory.Build.props sets one for every project).
        var appHost = typeof(Extensions).Assembly;
        var configuration = appHost.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = "net" + new FrameworkName(appHost.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName).Version.ToString(2);
        var executable = Path.Combine(projectDirectory, "bin", configuration, framework, projectName + (OperatingSystem.IsWindows() ? ".exe" : ""));
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"The node binary is missing; build the AppHost (it builds the node) or use --launch Project.", executable);
        }

        // Decided once for every node: the Native AOT node or the JIT build (NodeLaunchPlan.cs).
        executable = NodeLaunchPlan.For(builder, builder.Configuration.GetNetworkOptions().Launch, projectDirectory, executable).Binary;

        return builder.AddExecutable(name, executable, projectDirectory)
            .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithOtlpExporter() // projects get this from Aspire; executables must ask for it
            // Aspire exports metrics every second in development; each export costs every node CPU whether or not anyone
            // looks (10 idle nodes: 21–35 % of a core at 1 s, 15 % at 5 s; docs/benchmarks.md). After WithOtlpExporter: wins.
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "5000");
    }

    /// <summary>
    /// Makes a node resource a member of the network: its own public port, the node flags that tell it where to listen
    /// and which address to announce, its predecessor as bootstrap peer, a readiness check and the dashboard extras.
    /// </summary>
    public static IResourceBuilder<T> AsP2PNode<T>(this IResourceBuilder<T> node, int port, IResourceWithEndpoints? predecessor, NetworkOptions network)
        where T : IResourceWithArgs, IResourceWithEndpoints, IResourceWithEnvironment
    {
        var name = node.Resource.Name;
        node.WithHttpEndpoint(port: port, name: EndpointName, isProxied: network.UsesProxy(node.ApplicationBuilder));
        var self = node.GetEndpoint(EndpointName);

        // The node listens on the target port (--port; the node's UseUrls wins over ASPNETCORE_URLS) and announces the
        // public one in HANDSHAKE; they are the same port unless DCP's proxy sits in between (NetworkOptions.Proxy).
        // Run mode: loopback only. Published nodes run in their own container or host and listen on every interface.
        var host = node.ApplicationBuilder.ExecutionContext.IsPublishMode ? "0.0.0.0" : "localhost";
        node.WithArgs(
                "--host", host,
                "--port", self.Property(EndpointProperty.TargetPort),
                "--public-address", self.Property(EndpointProperty.HostAndPort),
                "--name", name)
            .WithUrlForEndpoint(EndpointName, url => url.DisplayText = $"{name} API")
            .WithUrlForEndpoint(EndpointName, _ => new ResourceUrlAnnotation { Url = "/ui", DisplayText = "Node UI" })
            .WithPostTestRecordCommand()
            .WithDisconnectAllPeersCommand();

        if (!string.IsNullOrWhiteSpace(network.DataDir))
        {
            node.WithArgs("--data-dir", Path.Combine(Path.GetFullPath(network.DataDir), name));
        }

        if (network.TargetPeers > 0)
        {
            node.WithArgs("--target-peers", network.TargetPeers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // The node's page links each record to its trace in this dashboard.
        if (node.ApplicationBuilder.ExecutionContext.IsRunMode
            && node.ApplicationBuilder.Configuration["ASPNETCORE_URLS"]?.Split(';').FirstOrDefault() is { Length: > 0 } dashboard)
        {
            node.WithEnvironment("P2P__DashboardUrl", dashboard);
        }

        if (predecessor is not null)
        {
            // The endpoint reference in --peers also records a Reference relationship: the Graph view draws the chain.
            // No WaitFor: a node re-dials its peers until they answer, which starts the chain faster.
            node.WithArgs("--peers", predecessor.GetEndpoint(EndpointName));
        }

        return node;
    }

    private static IResourceBuilder<T> WithPostTestRecordCommand<T>(this IResourceBuilder<T> node) where T : IResourceWithEndpoints =>
        node.WithHttpCommand("/record", "Post test record", EndpointName, "post-test-record", new HttpCommandOptions
        {
            Description = "POST /record with a test record; it spreads to every node as one trace",
            IconName = "Send",
            IsHighlighted = true,
            PrepareRequest = context =>
            {
                // context.ResourceName is the instance id (node-2-abcdefgh); the record names the node as the dashboard does.
                context.Request.Content = JsonContent.Create(new { record = $"test record from {node.Resource.Name} at {DateTime.UtcNow:HH:mm:ss.fff}" });
                return Task.CompletedTask;
            },
            // The answer carries the record's key and trace id: the dashboard shows it, tests read it.
            ResultMode = HttpCommandResultMode.Json,
            HttpClientName = NodeHttp.ClientName, // sends the API key
        });

    private static IResourceBuilder<T> WithDisconnectAllPeersCommand<T>(this IResourceBuilder<T> node) where T : IResourceWithEndpoints =>
        node.WithHttpCommand("/api/peers/disconnect", "Disconnect all peers", EndpointName, "disconnect-all-peers", new HttpCommandOptions
        {
            Description = "Closes every link of this node in both directions; peers that dialed it re-dial",
            IconName = "PlugDisconnected",
            ConfirmationMessage = "Close every peer link of this node? Nodes that dialed it will reconnect.",
            ResultMode = HttpCommandResultMode.Json,
            HttpClientName = NodeHttp.ClientName, // sends the API key
        });
}
