namespace AspireP2P.Hosting;

/// <summary>
/// The network's two secrets as Aspire secret parameters, <c>api-key</c> (mutating HTTP calls) and <c>network-key</c>
/// (peer admission). Generated on the first run and kept in the AppHost's user secrets (<c>Parameters:api-key</c>,
/// <c>Parameters:network-key</c>), so they stay the same across runs; set your own there or on the command line
/// (<c>-- --Parameters:api-key=…</c>). The dashboard shows them masked. Two networks in one AppHost share them, unless
/// one is given its own (<c>WithApiKey</c>, <c>WithNetworkKey</c>).
/// </summary>
internal sealed record NetworkSecrets(IResourceBuilder<ParameterResource> ApiKey, IResourceBuilder<ParameterResource> NetworkKey)
{
    public const string ApiKeyName = "api-key";
    public const string NetworkKeyName = "network-key";

    public static NetworkSecrets Add(IDistributedApplicationBuilder builder) =>
        new(
            Parameter(builder, ApiKeyName, "Sent by every dashboard command as X-Api-Key; required by the nodes' mutating endpoints."),
            Parameter(builder, NetworkKeyName, "Shared by the nodes: a peer without it is not admitted."));

    /// <summary>The AppHost's parameter of that name if it declared one (or another network did), else a generated secret.</summary>
    private static IResourceBuilder<ParameterResource> Parameter(IDistributedApplicationBuilder builder, string name, string description)
    {
        if (builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == name) is { } declared)
        {
            return builder.CreateResourceBuilder(declared);
        }

        // Letters and digits only: the keys travel in headers and on command lines unquoted.
        var generated = new GenerateParameterDefault { MinLength = 32, Special = false };
        return builder.AddParameter(name, generated, secret: true, persist: true).WithDescription(description);
    }
}

internal static class NetworkSecretsExtensions
{
    /// <summary>
    /// Gives a node both secrets and runs it strict (signed records only). The secrets go in the environment
    /// (<c>P2P__ApiKey</c>, the node's <c>--api-key</c>), not on the command line: a process's arguments are readable
    /// by every user of the machine and shown in the dashboard's Source column, its environment is not.
    /// </summary>
    public static IResourceBuilder<T> WithNetworkSecrets<T>(this IResourceBuilder<T> node, ControlRoom room, bool asSettings = false)
        where T : IResourceWithArgs, IResourceWithEnvironment
    {
        // The callback form adds no relationship: the Graph draws the mesh, not a spoke from every node to each secret.
        // It reads the room's secrets when the node starts, so WithApiKey/WithNetworkKey may come after AddP2PNetwork.
        node.WithEnvironment(context =>
        {
            context.EnvironmentVariables["P2P__ApiKey"] = room.Secrets.ApiKey.Resource;
            context.EnvironmentVariables["P2P__NetworkKey"] = room.Secrets.NetworkKey.Resource;
        });
        return asSettings ? node.WithEnvironment("P2P__RequireSignatures", "true") : node.WithArgs("--require-signatures", "true");
    }
}
