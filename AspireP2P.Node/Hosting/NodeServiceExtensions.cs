using System.Diagnostics.Metrics;
using AspireP2P.Node.Apis;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Transport;
using AspireP2P.Node.Trust;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

public static class NodeServiceExtensions
{
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--host"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Host)}",
        ["--port"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Port)}",
        ["--peers"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Peers)}",
        ["--public-address"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.PublicAddress)}",
        ["--name"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Name)}",
        ["--node-id"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Name)}",
        ["--network-key"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.NetworkKey)}",
        ["--require-signatures"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.RequireSignatures)}",
        ["--dev-faults"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.DevFaults)}",
        ["--dial-allow"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.DialAllow)}",
        ["--fsync"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.Fsync)}",
        ["--max-record-bytes"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.MaxRecordBytes)}",
        ["--max-frame-bytes"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.MaxFrameBytes)}",
        ["--target-peers"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.TargetPeers)}",
        ["--data-dir"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.DataDir)}",
        ["--api-key"] = $"{ApiSecurityOptions.SectionName}:{nameof(ApiSecurityOptions.ApiKey)}",
    };

    /// <summary>The tutorial's flags, as the .NET configuration system reads them (<c>--port 4040</c> → <c>P2P:Port</c>).</summary>
    public static IConfigurationBuilder AddNodeCommandLine(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(args, SwitchMappings);

    /// <summary>The standalone node (NodeApp): it listens where <c>--host</c>/<c>--port</c> say, plus <see cref="AddNodeServices"/>.</summary>
    internal static WebApplicationBuilder AddStandaloneNode(this WebApplicationBuilder builder)
    {
        // The node listens where --host/--port say, as the tutorial's did (this replaces ASPNETCORE_URLS).
        var listen = builder.Configuration.GetSection(NodeOptions.SectionName).Get<NodeOptions>() ?? new NodeOptions();
        builder.WebHost.UseUrls($"http://{FormatHost(listen.Host)}:{listen.Port}");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = Math.Max(listen.MaxFrameBytes, 1024 * 1024));
        builder.AddNodeServices();
        return builder;
    }

    /// <summary>The node's services, without where it listens: an app that hosts the node (AddP2PNode) listens where it always does.</summary>
    internal static IHostApplicationBuilder AddNodeServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NodeOptions>()
            .BindConfiguration(NodeOptions.SectionName)
            .ValidateOnStart();
        // The data annotations are checked by a source-generated validator (reflection-free, so Native AOT works).
        builder.Services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsAnnotationsValidator>();
        builder.Services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Relaxed));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IPeerTransport, WebSocketTransport>();
        builder.Services.AddSingleton<NetworkFaults>();
        builder.Services.AddSingleton(CreateCore);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NodeCore>().Store);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NodeCore>().Publisher);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NodeCore>().Mesh);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NodeCore>().Local);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NodeCore>().Context.Telemetry);
        builder.Services.AddSingleton<IUpgradeAcceptor>(sp => sp.GetRequiredService<NodeCore>().Acceptor);
        builder.Services.AddHostedService<NodeHostedService>();
        builder.Services.AddHealthChecks().AddCheck<MeshHealthCheck>("mesh");
        return builder;
    }

    /// <summary>
    /// The node's core from its services: keys and records in the data directory (or fresh), the transport, the clock.
    /// A registered <see cref="IRecordLog"/> replaces the engine's (a test makes the disk fail with one).
    /// </summary>
    private static NodeCore CreateCore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<NodeOptions>>().Value;
        var server = services.GetRequiredService<IServer>();
        var keys = NodeKeys.LoadOrCreate(options.DataDir, Ed25519Scheme.Instance);
        return NodeCore.Create(options, new NodeEnvironment
        {
            Keys = keys,
            Log = services.GetService<IRecordLog>() ?? RecordLogFactory.Open(options.DataDir, options.Fsync),
            Transport = services.GetRequiredService<IPeerTransport>(),
            Address = () => PublicAddress(options, server),
            Time = services.GetRequiredService<TimeProvider>(),
            Logs = services.GetRequiredService<ILoggerFactory>(),
            Meters = services.GetRequiredService<IMeterFactory>(),
            Faults = options.DevFaults ? services.GetRequiredService<NetworkFaults>() : null,
            // A test registers its own to inject exceptions into the node's parts; --dev-faults gives POST /api/dev/throw one.
            ComponentFaults = services.GetService<ComponentFaults>() ?? (options.DevFaults ? new ComponentFaults() : null),
        });
    }

    /// <summary>The address peers dial: --public-address, else where the server listens (only known once it has bound its port).</summary>
    private static PeerAddress PublicAddress(NodeOptions options, IServer server)
    {
        if (PeerAddress.TryParse(options.PublicAddress, out var configured, out _))
        {
            return configured;
        }

        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && PeerAddress.TryParse(bound, out var listening, out _))
        {
            return listening.Host is "0.0.0.0" or "[::]" or "+" or "*" ? listening with { Host = "127.0.0.1" } : listening;
        }

        return new PeerAddress(options.Host, options.Port, Secure: false);
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
