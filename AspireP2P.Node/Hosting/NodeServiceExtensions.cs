using AspireP2P.Node.Apis;
using AspireP2P.Node.Gossip;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
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
        ["--node-id"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.NodeId)}",
        ["--max-record-bytes"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.MaxRecordBytes)}",
        ["--max-frame-bytes"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.MaxFrameBytes)}",
        ["--target-peers"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.TargetPeers)}",
        ["--data-dir"] = $"{NodeOptions.SectionName}:{nameof(NodeOptions.DataDir)}",
        ["--api-key"] = $"{ApiSecurityOptions.SectionName}:{nameof(ApiSecurityOptions.ApiKey)}",
    };

    /// <summary>The tutorial's flags, as the .NET configuration system reads them (<c>--port 4040</c> → <c>P2P:Port</c>).</summary>
    public static IConfigurationBuilder AddNodeCommandLine(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(args, SwitchMappings);

    public static WebApplicationBuilder AddP2PNode(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NodeOptions>()
            .BindConfiguration(NodeOptions.SectionName)
            .ValidateOnStart();
        // The data annotations are checked by a source-generated validator (reflection-free, so Native AOT works).
        builder.Services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsAnnotationsValidator>();
        builder.Services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();

        // The node listens where --host/--port say, as the tutorial's did (this replaces ASPNETCORE_URLS).
        var listen = builder.Configuration.GetSection(NodeOptions.SectionName).Get<NodeOptions>() ?? new NodeOptions();
        builder.WebHost.UseUrls($"http://{FormatHost(listen.Host)}:{listen.Port}");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = Math.Max(listen.MaxFrameBytes, 1024 * 1024));

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Relaxed));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton<NodeTelemetry>();
        builder.Services.AddSingleton<RecordStore>();
        builder.Services.AddSingleton<RecordListCache>();
        builder.Services.AddSingleton<RecordLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RecordLog>());
        builder.Services.AddSingleton<MessageCodec>();
        builder.Services.AddSingleton<PeerManager>();
        builder.Services.AddSingleton<GossipService>();
        builder.Services.AddSingleton<InboundSessions>();
        builder.Services.AddHostedService<BootstrapPeersService>();
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddHealthChecks().AddCheck<MeshHealthCheck>("mesh");
        return builder;
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
