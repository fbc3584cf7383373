using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Makes an ASP.NET Core app a node of an AspireP2P network: the node's core (its key, records, links, the mesh) runs
/// inside the app, which publishes and subscribes to records through <see cref="IP2PRecords"/>. Map the node's
/// endpoints with <c>app.MapP2PNode()</c>. Under an Aspire AppHost that declared the app with <c>JoinP2PNetwork</c>, the
/// settings arrive as <c>P2P__*</c> environment variables (bootstrap peer, public address, name, the network's keys).
/// The node's tasks are supervised as in the standalone node (docs/architecture.md, "Failure"): when a part of it cannot
/// recover, the node fails stop, which stops the app, and the process exits with 70 (<see cref="AspireP2P.Node.Supervision.NodeFailure.ExitCode"/>)
/// unless the app's <c>Main</c> returns an exit code of its own.
/// </summary>
public static class P2PNodeHostingExtensions
{
    /// <summary>
    /// Adds the node to the app: its services bound from the <c>P2P</c> configuration section (the node's settings, as
    /// for the standalone node: <c>P2P:Peers</c>, <c>P2P:PublicAddress</c>, <c>P2P:NetworkKey</c>, <c>P2P:ApiKey</c>, …),
    /// validated at start; <see cref="IP2PRecords"/>; and the node's trace source and meter in the app's OpenTelemetry,
    /// so its spans join each record's trace across the network. The app keeps its own URLs, host filtering and rate
    /// limits: the node listens where the app listens, and <c>P2P:Host</c>/<c>P2P:Port</c> are not used.
    /// </summary>
    /// <typeparam name="TBuilder">The app's builder.</typeparam>
    /// <param name="builder">The app's builder.</param>
    /// <param name="configure">Changes the settings after configuration is read (code wins), or null.</param>
    /// <returns>The builder.</returns>
    public static TBuilder AddP2PNode<TBuilder>(this TBuilder builder, Action<NodeOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNodeServices();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.AddApiKeyGuard();
        builder.Services.AddSingleton<IP2PRecords, P2PRecords>();
        builder.Services.AddHostedService<HostedNodeFailure>();
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(NodeTelemetry.Source.Name))
            .WithMetrics(metrics => metrics.AddMeter(NodeTelemetry.Source.Name));
        return builder;
    }
}
