namespace AspireP2P.Hosting;

/// <summary>Declares one node of the network: the resource, its place in the network and in the control room.</summary>
internal static class P2PNodes
{
    /// <summary>
    /// One resource per node (not WithReplicas): every node needs its own port, identity and <c>--peers</c>. With the
    /// node's project, run mode starts its built binary unless <c>--launch Project</c>, and publish mode describes the
    /// project; the node the package ships is always an executable.
    /// </summary>
    public static IResourceWithEndpoints AddP2PNode(
        this IDistributedApplicationBuilder builder, string name, int portOffset, IResourceWithEndpoints? bootstrap, ControlRoom room, bool spare = false)
    {
        var options = room.Options;
        if (room.Source.ProjectPath is not { } project)
        {
            return room.Join(builder.AddPackagedNode(name), portOffset, bootstrap, spare);
        }

        return options.Launch == P2PNodeLaunch.Project || builder.ExecutionContext.IsPublishMode
            ? room.Join(builder.AddProject(name, project, launchProfileName: null), portOffset, bootstrap, spare)
            : room.Join(builder.AddNodeExecutable(name, project, options.Launch), portOffset, bootstrap, spare);
    }
}
