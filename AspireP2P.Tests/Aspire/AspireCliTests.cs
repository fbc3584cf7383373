using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The Aspire CLI workflow the docs promise, run as a user runs it: <c>eng/aspire-cli-check.sh</c> starts the network
/// with <c>aspire start</c>, posts a record, finds its trace on every node with <c>aspire otel traces</c>, stops it with
/// <c>aspire stop</c> and checks that no process of the run is left.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed partial class AspireCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StartPostTraceAndStopWorkFromTheAspireCli()
    {
        var root = RepositoryRoot.Find() ?? throw new InvalidOperationException("the tests run outside the repository");
        // The test project references the AppHost, so it is built; the script installs the CLI into .ci/tools when missing.
        var start = TestTools.StartInfo("bash", Path.Combine(root, "eng", "aspire-cli-check.sh"), "--no-build");
        start.WorkingDirectory = root;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["NO_COLOR"] = "1";
        using var script = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var log = new StringBuilder();
        script.OutputDataReceived += (_, e) => Capture(log, e.Data);
        script.ErrorDataReceived += (_, e) => Capture(log, e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();

        try
        {
            await script.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.AspireCli, TestContext.Current.CancellationToken);
        }
        finally
        {
            await StopAsync(script, log);
            output.WriteLine(Text(log));
        }

        var text = Text(log);
        Assert.True(script.ExitCode == 0, $"eng/aspire-cli-check.sh exited with {script.ExitCode}:{Environment.NewLine}{text}");
        Assert.Matches(TracedOnEveryNode(), text);
        // `aspire describe node-1` alone shows node-1's links (as its "Linked to" property), the ones plain `aspire describe` relates it to.
        Assert.Contains("aspire describe node-1: linked to node-0 node-2", text, StringComparison.Ordinal);
        Assert.Contains("stopped: no process of the run is left", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A run that timed out or was cancelled still ends its network: SIGTERM lets the script's trap run <c>aspire stop</c>;
    /// if that does not end it in time, the script and the AppHost it started (whose exit DCP watches) are killed.
    /// </summary>
    private static async Task StopAsync(Process script, StringBuilder log)
    {
        if (script.HasExited)
        {
            return;
        }

        using (var term = Process.Start(TestTools.StartInfo("kill", "-TERM", script.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))!)
        {
            await term.WaitForExitAsync().WaitAsync(Timeouts.Request);
        }

        try
        {
            await script.WaitForExitAsync().WaitAsync(Timeouts.Stop * 2);
        }
        catch (TimeoutException)
        {
            script.Kill(entireProcessTree: true);
            if (AppHostPid().Match(Text(log)) is { Success: true } started
                && int.TryParse(started.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    private static void Capture(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    [GeneratedRegex(@"aspire otel traces -t [0-9a-f]{32}: spans on node-0 node-1 node-2")]
    private static partial Regex TracedOnEveryNode();

    [GeneratedRegex(@"^AppHost (?<pid>[0-9]+):", RegexOptions.Multiline)]
    private static partial Regex AppHostPid();
}
