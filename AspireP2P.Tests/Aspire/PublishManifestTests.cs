using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The AppHost's publish mode (<c>--publisher manifest</c>): Aspire's deployment manifest, what a deployment tool
/// translates into a cluster (docs/deploy.md). The nodes with their flags, the secrets as parameters, never their values,
/// and each node's peer as a reference to its predecessor's endpoint, which a cluster resolves to the service's name.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class PublishManifestTests
{
    [Fact]
    public async Task TheManifestDescribesEveryNodeWithItsFlagsSecretParametersAndResolvedPeers()
    {
        var folder = Directory.CreateTempSubdirectory("aspirep2p-manifest-");
        try
        {
            var path = Path.Combine(folder.FullName, "aspire-manifest.json");
            const string ApiKey = "a-key-that-must-not-be-published";
            await PublishAsync("--publisher", "manifest", "--output-path", path, "--nodes", "3", "--sample", "true", $"--Parameters:api-key={ApiKey}");

            var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
            Assert.DoesNotContain(ApiKey, text, StringComparison.Ordinal);
            using var manifest = JsonDocument.Parse(text);
            var resources = manifest.RootElement.GetProperty("resources");

            foreach (var secret in new[] { "api-key", "network-key" })
            {
                var parameter = resources.GetProperty(secret);
                Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
                Assert.True(parameter.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            }

            for (var i = 0; i < 3; i++)
            {
                var name = $"node-{i}";
                var node = resources.GetProperty(name);
                Assert.Equal("project.v0", node.GetProperty("type").GetString());
                Assert.EndsWith("AspireP2P.Node.csproj", node.GetProperty("path").GetString(), StringComparison.Ordinal);
                var args = node.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
                // A published node listens on every interface of its own host or pod.
                Assert.Equal("0.0.0.0", After(args, "--host"));
                Assert.Equal($"{{{name}.bindings.http.targetPort}}", After(args, "--port"));
                Assert.Equal($"{{{name}.bindings.http.host}}:{{{name}.bindings.http.port}}", After(args, "--public-address"));
                Assert.Equal(name, After(args, "--name"));
                Assert.Equal("true", After(args, "--require-signatures"));
                Assert.Equal(i == 0 ? null : $"{{node-{i - 1}.bindings.http.url}}", After(args, "--peers"));
                // The development faults are a run-mode tool; a published node has none.
                Assert.DoesNotContain("--dev-faults", args);

                var env = node.GetProperty("env");
                Assert.Equal("{api-key.value}", env.GetProperty("P2P__ApiKey").GetString());
                Assert.Equal("{network-key.value}", env.GetProperty("P2P__NetworkKey").GetString());
            }

            // The sample hosts the node as a library: the same settings as P2P__* variables, extending the chain.
            var chat = resources.GetProperty("chat").GetProperty("env");
            Assert.Equal("{node-2.bindings.http.url}", chat.GetProperty("P2P__Peers").GetString());
            Assert.Equal("{network-key.value}", chat.GetProperty("P2P__NetworkKey").GetString());
            // The network's own row is the dashboard's: nothing to deploy.
            Assert.False(resources.TryGetProperty("network", out _));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string? After(List<string> args, string flag) => args.IndexOf(flag) is var i and >= 0 && i + 1 < args.Count ? args[i + 1] : null;

    private static async Task PublishAsync(params string[] args)
    {
        var (exitCode, output, errors) = await AppHostProcess.RunAsync(args);
        Assert.True(exitCode == 0, $"the AppHost's publish exited with {exitCode}: {output}{errors}");
    }
}
