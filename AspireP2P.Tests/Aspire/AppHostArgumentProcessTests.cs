using System.Diagnostics;
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
    public async Task ABadFlagEndsTheAppHostWithOneLineAndExitCode2(string args, string message)
    {
        var start = TestTools.StartInfo("dotnet", ["AspireP2P.AppHost.dll", .. args.Split(' ')]);
        start.WorkingDirectory = AppContext.BaseDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var appHost = Process.Start(start) ?? throw new InvalidOperationException("the AppHost did not start");
        var output = appHost.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = appHost.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await appHost.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }

        var printed = (await output) + (await errors);
        Assert.Equal(2, appHost.ExitCode);
        Assert.Equal([$"AspireP2P.AppHost: {message}"], (await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", printed, StringComparison.Ordinal);
    }
}
