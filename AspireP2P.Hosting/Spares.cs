using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Hosting;

/// <summary>
/// <c>--spares N</c> (<c>WithSpares</c>): nodes <c>spare-0</c> … declared with the network but started only when someone clicks Start
/// (Aspire cannot add resources to a running AppHost, but it can hold some back). Each joins as a late joiner through
/// a node that is running when it starts, so its catch-up shows in its trace and metrics.
/// </summary>
internal static class Spares
{
    /// <summary>Declares spares until the network has <paramref name="count"/> (more calls add more, never fewer).</summary>
    public static void AddSpares(this IDistributedApplicationBuilder builder, ControlRoom room, int count)
    {
        // Starting on request is a dashboard feature: a published network has no spares.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return;
        }

        var options = room.Options;
        for (var i = room.Nodes.All.Count(n => n.Spare); i < count; i++)
        {
            builder.AddP2PNode($"{options.SpareNamePrefix}-{i}", options.Nodes + i, bootstrap: null, room, spare: true);
        }
    }

    /// <summary>Held back until started; its <c>--peers</c> is chosen when it starts.</summary>
    public static IResourceBuilder<T> AsSpare<T>(this IResourceBuilder<T> node, ControlRoom room) where T : IResourceWithArgs =>
        node.WithExplicitStart().WithArgs(context =>
        {
            context.Args.Add("--peers");
            context.Args.Add(BootstrapFor(room.Nodes, room.States).Endpoint.Property(EndpointProperty.HostAndPort));
        });

    /// <summary>A healthy node of the network if there is one, else a running one, else the first.</summary>
    private static NetworkNode BootstrapFor(NetworkNodes nodes, ResourceStates? states)
    {
        var members = nodes.All.Where(n => !n.Spare).ToList();
        var running = members
            .Select(n => (Node: n, Snapshot: states?.Of(n.Resource)))
            .Where(n => n.Snapshot?.State?.Text == KnownResourceStates.Running)
            .ToList();
        return running.FirstOrDefault(n => n.Snapshot!.HealthStatus == HealthStatus.Healthy).Node
            ?? running.FirstOrDefault().Node
            ?? members[0];
    }
}
