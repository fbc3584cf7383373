namespace AspireP2P.Hosting;

/// <summary>
/// Where a network's node processes come from: the node's project (this repository's AppHost: it builds the node, and
/// every <see cref="P2PNodeLaunch"/> works), or the node this package ships, a framework-dependent build that its
/// <c>buildTransitive</c> targets copy next to the AppHost (<see cref="PackagedNodeDirectory"/>), run with <c>dotnet</c>.
/// </summary>
internal sealed record NodeSource(string? ProjectPath)
{
    /// <summary>The folder, next to the AppHost's assembly, that the package's targets copy the node into.</summary>
    public const string PackagedNodeDirectory = "aspirep2p-node";

    /// <summary>The node's assembly in that folder.</summary>
    public const string PackagedNodeAssembly = "AspireP2P.Node.dll";

    public static NodeSource Packaged { get; } = new((string?)null);

    public static NodeSource FromProject<TProject>() where TProject : IProjectMetadata, new() => new(new TProject().ProjectPath);

    public bool IsProject => ProjectPath is not null;

    /// <summary>The shipped node's assembly: next to the AppHost's assembly, else next to the running program (a test host).</summary>
    public static string FindPackagedNode(IDistributedApplicationBuilder builder)
    {
        string?[] roots = [Path.GetDirectoryName(builder.AppHostAssembly?.Location), AppContext.BaseDirectory];
        foreach (var root in roots.OfType<string>().Where(r => r.Length > 0))
        {
            var candidate = Path.Combine(root, PackagedNodeDirectory, PackagedNodeAssembly);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"The AspireP2P node is missing: {Path.Combine(PackagedNodeDirectory, PackagedNodeAssembly)} is not next to the AppHost. The "
            + "AspireP2P.Hosting package copies it there when the AppHost builds; restore and build the AppHost again.",
            Path.Combine(roots.OfType<string>().First(), PackagedNodeDirectory, PackagedNodeAssembly));
    }

    /// <summary>
    /// The <c>dotnet</c> host that runs the shipped node: the one running the build or the AppHost when known, else the
    /// <c>dotnet</c> on PATH.
    /// </summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root
            && Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet") is var rooted && File.Exists(rooted))
        {
            return rooted;
        }

        return "dotnet";
    }
}
