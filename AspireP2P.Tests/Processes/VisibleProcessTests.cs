using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// What the AppHost shows while it waits for a long child process (the Native AOT publish): every line the child prints,
/// as it comes, and a line every tick saying how long it has run, so a silent compile never looks like a hang.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class VisibleProcessTests
{
    [Fact]
    public async Task TheChildsLinesAndATickingLineAreShownAndItsExitCodeAndLastLinesReturned()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var console = new StringWriter();
        var done = Path.Combine(Directory.CreateTempSubdirectory("aspirep2p-visible-").FullName, "done");
        // Prints two lines, then stays silent until the test says it may end.
        var child = TestTools.StartInfo("bash", "-c", "echo compiling; echo 'a warning' >&2; while [ ! -e \"$1\" ]; do sleep 0.05; done; exit 3", "_", done);

        var running = VisibleProcess.RunAsync(child, "  publish: ", console, time, TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Task.FromResult(Text(console)), t => t.Contains("a warning", StringComparison.Ordinal), Timeouts.Start, "the child's lines");
        time.Advance(TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(done, "", TestContext.Current.CancellationToken);
        var (exitCode, tail) = await running.WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        Assert.Equal(3, exitCode);
        Assert.Equal(["compiling", "a warning"], tail.Order(StringComparer.Ordinal).Reverse());
        var lines = Text(console).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("  publish: compiling", lines);
        Assert.Contains("  publish: still running, 15 s so far", lines);
        Assert.Contains("  publish: still running, 1 min 15 s so far", lines);
        Directory.Delete(Path.GetDirectoryName(done)!, recursive: true);
    }

    private static string Text(StringWriter console)
    {
        lock (console)
        {
            return console.ToString();
        }
    }
}
