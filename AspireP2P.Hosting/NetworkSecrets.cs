namespace AspireP2P.AppHost;

/// <summary>
/// The network's two secrets as Aspire secret parameters, <c>api-key</c> (mutating HTTP calls) and <c>network-key</c>
/// (peer admission). Generated on the first run and kept in the AppHost's user secrets (<c>Parameters:api-key</c>,
/// <c>Parameters:network-key</c>), so they stay the same across runs; set your own there or on the command line
/// (<c>-- --Parameters:api-key=…</c>). The dashboard shows them masked.
/// </summary>
internal sealed record NetworkSecrets(IResourceBuilder<ParameterResource> ApiKey, IResourceBuilder<ParameterResource> NetworkKey)
{
    public static NetworkSecrets Add(IDistributedApplicationBuilder builder)
    {
        // Letters and digits only: the keys travel in headers and on command lines unquoted.
        var generated = new GenerateParameterDefault { MinLength = 32, Special = false };
        var secrets = new NetworkSecrets(
            builder.AddParameter("api-key", generated, secret: true, persist: true)
                .WithDescription("Sent by every dashboard command as X-Api-Key; required by the nodes' mutating endpoints."),
            builder.AddParameter("network-key", generated, secret: true, persist: true)
                .WithDescription("Shared by the nodes: a peer without it is not admitted."));
        builder.Services.AddNodeHttpClient(secrets.ApiKey.Resource);
        return secrets;
    }
}

internal static class NetworkSecretsExtensions
{
    /// <summary>
    /// Gives a node both secrets and runs it strict (signed records only). The secrets go in the environment
    /// (<c>P2P__ApiKey</c>, the node's <c>--api-key</c>), not on the command line: a process's arguments are readable
    /// by every user of the machine and shown in the dashboard's Source column, its environment is not.
    /// </summary>
    public static IResourceBuilder<T> WithNetworkSecrets<T>(this IResourceBuilder<T> node, NetworkSecrets secrets)
        where T : IResourceWithArgs, IResourceWithEnvironment =>
        // The callback form adds no relationship: the Graph draws the mesh, not a spoke from every node to each secret.
        node.WithEnvironment(context =>
            {
                context.EnvironmentVariables["P2P__ApiKey"] = secrets.ApiKey.Resource;
                context.EnvironmentVariables["P2P__NetworkKey"] = secrets.NetworkKey.Resource;
            })
            .WithArgs("--require-signatures", "true");
}
