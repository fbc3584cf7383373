namespace AspireP2P.Tests.Infrastructure;

/// <summary>How a <see cref="NodeProcess"/> is launched beyond its flags: environment variables, and a command it runs under.</summary>
/// <param name="Environment">Set in the node's environment, e.g. <c>P2P__MaxPeers</c>.</param>
/// <param name="Under">A command the node runs under, e.g. <c>faketime -f -1h</c> (it must exec the node: its pid is the node's); a program of eng/test-tools.tsv.</param>
public sealed record NodeLaunch(IReadOnlyDictionary<string, string>? Environment = null, IReadOnlyList<string>? Under = null)
{
    public static NodeLaunch With(params (string Variable, string Value)[] environment) =>
        new(environment.ToDictionary(e => e.Variable, e => e.Value));
}
