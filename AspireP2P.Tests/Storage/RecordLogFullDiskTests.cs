using System.Diagnostics;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using static AspireP2P.Tests.Storage.TestRows;

namespace AspireP2P.Tests.Storage;

/// <summary>
/// A full disk: the log sits on a 4 MiB tmpfs the test mounts (the suite runs as root here and in CI). Writing fails,
/// the failure is sticky, every waiter is released with it and nothing hangs; what was durable stays readable.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class RecordLogFullDiskTests
{

    [Fact]
    public async Task AFullDiskFailsTheLogForGoodAndReleasesEveryWaiter()
    {
        var mountPoint = Directory.CreateTempSubdirectory("aspirep2p-full-disk-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint);
        try
        {
            await FillTheDiskAsync(Path.Combine(mountPoint, "records"));
        }
        finally
        {
            await RunAsync("umount", "-l", mountPoint);
            Directory.Delete(mountPoint, recursive: true);
        }
    }

    private static async Task FillTheDiskAsync(string directory)
    {
        var log = RecordLogFactory.Open(directory, new RecordLogOptions { MemoryBudgetBytes = 1 << 20 });
        var value = $"\"{new string('x', 2000)}\"";
        var neverAppended = log.WaitDurableAsync(long.MaxValue - 1, TestContext.Current.CancellationToken).AsTask();
        RecordLogFailedException? failure = null;
        for (var seq = 1; seq <= 10_000 && failure is null; seq++)
        {
            var position = log.Append(Alice, seq, value: value);
            if (seq % 50 == 0)
            {
                failure = await Record.ExceptionAsync(() => log.WaitDurableAsync(position, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)) as RecordLogFailedException;
            }
        }

        Assert.NotNull(failure);
        Assert.Same(failure, log.Failure);
        Assert.Contains("cannot write", failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, await Assert.ThrowsAsync<RecordLogFailedException>(() => neverAppended.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)));
        Assert.Same(failure, Assert.Throws<RecordLogFailedException>(() => log.Append(Alice, 1_000_000)));
        await Assert.ThrowsAsync<RecordLogFailedException>(() => log.WaitDurableAsync(log.Length - 1, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));

        var durable = log.DurableLength;
        Assert.True(durable > 0);
        var rows = new LogRow[durable];
        Assert.Equal((int)durable, log.Read(0, rows));
        Assert.All(rows, (row, i) => Assert.Equal(i + 1, row.Seq));
        await log.DisposeAsync().AsTask().WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var start = TestTools.StartInfo(command, arguments);
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await process.WaitForExitAsync().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} failed: {errors}");
    }
}
