namespace AspireP2P.AppHost;

/// <summary>Declares one node of the network: the resource, its place in the network and in the control room.</summary>
internal static class P2PNodes
{
    /// <summary>
    /// One resource per node (not WithReplicas): every node needs its own port, identity and <c>--peers</c>.
    /// Run mode starts the built binary unless <c>--launch Project</c>; publish mode always describes projects.
    /// </summary>
    public static IResourceBuilder<IResourceWithEndpoints> AddP2PNode(
        this IDistributedApplicationBuilder builder, string name, int port, IResourceWithEndpoints? bootstrap, NetworkOptions network, ControlRoom room,
        bool spare = false) =>
        network.Launch == NodeLaunch.Project || builder.ExecutionContext.IsPublishMode
            ? room.Join(builder.AddProject<Projects.AspireP2P_Node>(name, launchProfileName: null).AsP2PNode(port, bootstrap, network), spare)
            : room.Join(builder.AddNodeExecutable<Projects.AspireP2P_Node>(name).AsP2PNode(port, bootstrap, network), spare);
}
