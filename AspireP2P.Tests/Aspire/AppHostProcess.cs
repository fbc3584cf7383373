using System.Diagnostics;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>The built AppHost run as a process of its own (next to the tests), for what it does before starting anything.</summary>
public static class AppHostProcess
{
    /// <summary>Runs it to its end (killed past the AppHost start-up timeout); returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = TestTools.StartInfo("dotnet", ["AspireP2P.AppHost.dll", .. args]);
        start.WorkingDirectory = AppContext.BaseDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var appHost = Process.Start(start) ?? throw new InvalidOperationException("the AppHost did not start");
        var output = appHost.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = appHost.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await appHost.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }

        return (appHost.ExitCode, await output, await errors);
    }
}
