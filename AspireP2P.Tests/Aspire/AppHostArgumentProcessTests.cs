using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The real AppHost process, given flags it cannot run with: one line on stderr that names the flag, exit code 2, no
/// stack trace, nothing started. Every flag's own check is in Unit/NetworkArgumentsTests; this proves what a user sees.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class AppHostArgumentProcessTests
{
    [Theory]
    [InlineData("--nodes 0", "--nodes must be a whole number from 1 to 1000, not '0'.")]
    [InlineData("--base-port 65534", "--base-port 65534 leaves room for 2 ports up to 65535, but 3 nodes need 3: use a base port from 1 to 65533.")]
    [InlineData("--launch Containers", "--launch must be Auto, Executable, Project or NativeAot, not 'Containers'.")]
    [InlineData("--sample maybe", "--sample must be true or false, not 'maybe'.")]
    public async Task ABadFlagEndsTheAppHostWithOneLineAndExitCode2(string args, string message)
    {
        var (exitCode, output, errors) = await AppHostProcess.RunAsync(args.Split(' '));

        var printed = output + errors;
        Assert.Equal(2, exitCode);
        Assert.Equal([$"AspireP2P.AppHost: {message}"], errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", printed, StringComparison.Ordinal);
    }
}
