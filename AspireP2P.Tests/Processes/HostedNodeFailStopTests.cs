using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AspireP2P.Node.Supervision;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// An app that hosts the node (the chat sample, a process of its own) fails as the standalone node does: a part of the
/// node that cannot recover stops the app, which exits with the node's fail-stop code, and says why.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class HostedNodeFailStopTests
{
    [Fact]
    public async Task APartOfTheHostedNodeThatCannotRecoverStopsTheAppWithTheNodesExitCode()
    {
        var sample = Path.Combine(RepositoryRoot.Find() ?? throw new InvalidOperationException("no AspireP2P.sln above the tests"),
            "samples", "AspireP2P.Samples.Chat", "bin", "Debug", "net10.0", "AspireP2P.Samples.Chat.dll");
        var port = TestPorts.Reserve();
        var start = TestTools.StartInfo("dotnet", sample);
        start.WorkingDirectory = Path.GetDirectoryName(sample)!;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["P2P__DevFaults"] = "true";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        using var app = Process.Start(start) ?? throw new InvalidOperationException("the sample did not start");
        var output = app.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = app.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeouts.Request };
            await Eventually.UntilAsync(async () =>
            {
                try
                {
                    using var health = await http.GetAsync("/api/node", TestContext.Current.CancellationToken);
                    return health.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, Timeouts.Start, "the sample to answer");

            using var injected = await http.PostAsJsonAsync("/api/dev/throw", new { part = "MeshTick", exception = "InvalidOperationException", times = 50 }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, injected.StatusCode);

            await app.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true);
            }
        }

        var printed = await output + await errors;
        Assert.True(app.ExitCode == NodeFailure.ExitCode, $"exit code {app.ExitCode}: {printed}");
        Assert.Contains("fails stop", printed, StringComparison.Ordinal);
    }
}
