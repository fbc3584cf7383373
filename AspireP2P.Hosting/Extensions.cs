using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.Versioning;

namespace AspireP2P.Hosting;

/// <summary>How the network turns a node (its project, or the node the package ships) into resources of a P2P network.</summary>
internal static class Extensions
{
    /// <summary>The name of every node's HTTP/WebSocket endpoint.</summary>
    public const string EndpointName = "http";

    /// <summary>
    /// Adds the node project's built binary as an executable (with <c>--launch NativeAot</c>, the node published with
    /// Native AOT). AddProject would start every node through its own <c>dotnet run</c> process; this skips that wrapper.
    /// The AppHost's project reference still builds the node first.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddNodeExecutable(this IDistributedApplicationBuilder builder, string name, string projectPath, P2PNodeLaunch launch)
    {
        var projectDirectory = Path.GetDirectoryName(projectPath)!;
        var projectName = Path.GetFileNameWithoutExtension(projectPath);
        // The project reference builds the node in the AppHost's configuration (dotnet run -c Release builds both in
        // Release) and framework (Directory.Build.props sets one for every project).
        var appHost = builder.AppHostAssembly ?? Assembly.GetEntryAssembly() ?? typeof(Extensions).Assembly;
        var configuration = appHost.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = "net" + new FrameworkName(typeof(Extensions).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName).Version.ToString(2);
        var executable = Path.Combine(projectDirectory, "bin", configuration, framework, projectName + (OperatingSystem.IsWindows() ? ".exe" : ""));
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"The node binary is missing; build the AppHost (it builds the node) or use --launch Project.", executable);
        }

        // Decided once for every node: the Native AOT node or the JIT build (NodeLaunchPlan.cs).
        executable = NodeLaunchPlan.For(builder, launch, projectDirectory, executable).Binary;
        return builder.AddExecutable(name, executable, projectDirectory).AsNodeProcess(builder);
    }

    /// <summary>The node this package ships, run with <c>dotnet</c> from the folder its targets copied it to.</summary>
    public static IResourceBuilder<ExecutableResource> AddPackagedNode(this IDistributedApplicationBuilder builder, string name)
    {
        var assembly = NodeSource.FindPackagedNode(builder);
        return builder.AddExecutable(name, NodeSource.DotnetHost(), Path.GetDirectoryName(assembly)!, assembly).AsNodeProcess(builder);
    }

    private static IResourceBuilder<ExecutableResource> AsNodeProcess(this IResourceBuilder<ExecutableResource> node, IDistributedApplicationBuilder builder) =>
        node.WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithOtlpExporter() // projects get this from Aspire; executables must ask for it
            // Aspire exports metrics every second in development; each export costs every node CPU whether or not anyone
            // looks (10 idle nodes: 21–35 % of a core at 1 s, 15 % at 5 s; docs/benchmarks.md). After WithOtlpExporter: wins.
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "5000");

    /// <summary>
    /// Makes a node resource a member of the network: its own public port, the node settings that tell it where to listen
    /// and which address to announce, its predecessor as bootstrap peer, a readiness check and the dashboard extras. A node
    /// process gets them as flags (<c>--port</c>, <c>--peers</c>, …: the dashboard's Source column shows them); an app that
    /// hosts the node as a library (<paramref name="asSettings"/>) gets them as <c>P2P__*</c> environment variables, the
    /// same settings, so they do not collide with its own command line.
    /// </summary>
    public static IResourceBuilder<T> AsP2PNode<T>(this IResourceBuilder<T> node, NetworkNode member, IResourceWithEndpoints? predecessor, ControlRoom room, bool asSettings = false)
        where T : IResourceWithArgs, IResourceWithEndpoints, IResourceWithEnvironment
    {
        var name = node.Resource.Name;
        var options = room.Options;
        var builder = node.ApplicationBuilder;
        if (!node.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == EndpointName))
        {
            node.WithHttpEndpoint(port: null, name: EndpointName, isProxied: true);
        }

        var self = node.GetEndpoint(EndpointName);

        // The node listens on the target port (--port; the node's UseUrls wins over ASPNETCORE_URLS) and announces the
        // public one in HANDSHAKE; they are the same port unless DCP's proxy sits in between (P2PNetworkOptions.Proxy).
        // Run mode: loopback only. Published nodes run in their own container or host and listen on every interface.
        var host = builder.ExecutionContext.IsPublishMode ? "0.0.0.0" : "localhost";
        if (asSettings)
        {
            // An app that hosts the node listens where Aspire tells it (ASPNETCORE_URLS, from the same endpoint).
            node.WithEnvironment(context =>
            {
                context.EnvironmentVariables["P2P__PublicAddress"] = self.Property(EndpointProperty.HostAndPort);
                context.EnvironmentVariables["P2P__Name"] = name;
            });
        }
        else
        {
            node.WithArgs(
                "--host", host,
                "--port", self.Property(EndpointProperty.TargetPort),
                "--public-address", self.Property(EndpointProperty.HostAndPort),
                "--name", name);
        }

        node.WithUrlForEndpoint(EndpointName, url => url.DisplayText = $"{name} API")
            .WithUrlForEndpoint(EndpointName, _ => new ResourceUrlAnnotation { Url = "/ui", DisplayText = "Node UI" })
            .WithPostTestRecordCommand(room)
            .WithDisconnectAllPeersCommand(room);

        // Read when the node starts, so WithDataDirectory and WithTargetPeers may come after AddP2PNetwork.
        node.WithNodeSetting(asSettings, "--data-dir", "P2P__DataDir",
            () => string.IsNullOrWhiteSpace(options.DataDir) ? null : Path.Combine(Path.GetFullPath(options.DataDir), name));
        node.WithNodeSetting(asSettings, "--target-peers", "P2P__TargetPeers",
            () => options.TargetPeers > 0 ? options.TargetPeers.ToString(CultureInfo.InvariantCulture) : null);

        // The node's page links each record to its trace in this dashboard.
        if (builder.ExecutionContext.IsRunMode
            && builder.Configuration["ASPNETCORE_URLS"]?.Split(';').FirstOrDefault() is { Length: > 0 } dashboard)
        {
            node.WithEnvironment("P2P__DashboardUrl", dashboard);
        }

        if (predecessor is not null)
        {
            // The endpoint reference in --peers also records a Reference relationship: the Graph view draws the chain.
            // No WaitFor: a node re-dials its peers until they answer, which starts the chain faster.
            if (asSettings)
            {
                node.WithEnvironment("P2P__Peers", predecessor.GetEndpoint(EndpointName));
            }
            else
            {
                node.WithArgs("--peers", predecessor.GetEndpoint(EndpointName));
            }
        }

        node.WithAnnotation(new P2PNodeAnnotation(room.Network.Name, member.Spare, asSettings));
        return node;
    }

    /// <summary>A node setting decided when the node starts: a flag for a node process, an environment variable for a host app.</summary>
    private static void WithNodeSetting<T>(this IResourceBuilder<T> node, bool asSettings, string flag, string variable, Func<string?> value)
        where T : IResourceWithArgs, IResourceWithEnvironment
    {
        if (asSettings)
        {
            node.WithEnvironment(context =>
            {
                if (value() is { } v)
                {
                    context.EnvironmentVariables[variable] = v;
                }
            });
        }
        else
        {
            node.WithArgs(context =>
            {
                if (value() is { } v)
                {
                    context.Args.Add(flag);
                    context.Args.Add(v);
                }
            });
        }
    }

    private static IResourceBuilder<T> WithPostTestRecordCommand<T>(this IResourceBuilder<T> node, ControlRoom room) where T : IResourceWithEndpoints =>
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
            HttpClientName = room.HttpClientName, // sends the API key
        });

    private static IResourceBuilder<T> WithDisconnectAllPeersCommand<T>(this IResourceBuilder<T> node, ControlRoom room) where T : IResourceWithEndpoints =>
        node.WithHttpCommand("/api/peers/disconnect", "Disconnect all peers", EndpointName, "disconnect-all-peers", new HttpCommandOptions
        {
            Description = "Closes every link of this node in both directions; peers that dialed it re-dial",
            IconName = "PlugDisconnected",
            ConfirmationMessage = "Close every peer link of this node? Nodes that dialed it will reconnect.",
            ResultMode = HttpCommandResultMode.Json,
            HttpClientName = room.HttpClientName, // sends the API key
        });
}
