#if HAS_APPHOST
using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
#endif

namespace AspireP2P.Benchmarks.Macro;

/// <summary>
/// AppHost start-up to all-healthy. Compiled against the AppHost only when <c>AspireP2P.AppHost</c> is in the
/// repository (the benchmark project then references it and Aspire.Hosting.Testing); otherwise the row says so.
/// </summary>
public static partial class MacroRunner
{
    private static async Task AppHostAsync(Report report, BenchOptions options, string root)
    {
        var figure = report.Add("apphost.startup", "AppHost start-up to all-healthy, N = 10", "s");
#if HAS_APPHOST
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(options.AppHostArgs, cancel.Token);
            var nodes = builder.Resources.OfType<ProjectResource>().Select(r => r.Name).ToArray();
            await using var app = await builder.BuildAsync(cancel.Token);
            await app.StartAsync(cancel.Token);
            await Task.WhenAll(nodes.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancel.Token)));
            figure.Runs.Add(clock.Elapsed.TotalSeconds);
            figure.Note = $"{nodes.Length} node resources; AppHost args: '{string.Join(' ', options.AppHostArgs)}'";
            Console.WriteLine($"  apphost run {run}: {nodes.Length} resources healthy after {clock.Elapsed.TotalSeconds:0.00} s");
            await app.StopAsync(CancellationToken.None);
        }
#else
        _ = options;
        var present = File.Exists(Path.Combine(root, "AspireP2P.AppHost", "AspireP2P.AppHost.csproj"));
        figure.Note = present
            ? "AspireP2P.AppHost appeared after this harness was built: rebuild the benchmarks"
            : "not available in this build: no AspireP2P.AppHost";
        Console.WriteLine($"  apphost: {figure.Note}");
        await Task.CompletedTask;
#endif
    }
}
