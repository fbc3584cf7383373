using System.Diagnostics;
using System.Globalization;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using AspireP2P.Tests.LogWriter;

namespace AspireP2P.Tests.Storage;

/// <summary>
/// kill -9 in the middle of a stream of appends loses nothing that was acknowledged: a child process
/// (AspireP2P.Tests.LogWriter) appends rows and prints each position once WaitDurableAsync confirmed it; the test
/// kills it with SIGKILL, tears the end of the write-ahead log as a crash mid-write would, and reopens the store.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class RecordLogCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aspirep2p-crash-test-").FullName;

    [Fact]
    public async Task EveryAcknowledgedRowSurvivesKillNineAndATornTail()
    {
        var acknowledged = await RunWriterUntilKilledAsync(minimumAcknowledged: 20_000);
        var wal = Path.Combine(_directory, RecordLogFactory.FileName + "-wal");
        if (File.Exists(wal))
        {
            // A frame cut short by the crash: the engine must ignore it, not fail to open or lose what precedes it.
            await using var tail = new FileStream(wal, FileMode.Append);
            await tail.WriteAsync(new byte[] { 0x37, 0x7f, 0x06, 0x82, 0x00, 0x2d, 0xe2, 0x18, 0x01, 0x02, 0x03 }, TestContext.Current.CancellationToken);
        }

        await using (var log = RecordLogFactory.Open(_directory, new RecordLogOptions()))
        {
            Assert.True(log.Length > acknowledged, $"{log.Length} rows after the crash, {acknowledged + 1} were acknowledged");
            var page = new LogRow[1000];
            for (var position = 0L; position < log.Length; position += page.Length)
            {
                var count = log.Read(position, page);
                Assert.Equal((int)Math.Min(page.Length, log.Length - position), count);
                for (var i = 0; i < count; i++)
                {
                    var expected = position + i;
                    Assert.Equal(expected, page[i].Position);
                    Assert.Equal(LogWriterRows.SeqOf(expected), page[i].Seq);
                    Assert.Equal(LogWriterRows.Blob(expected), page[i].Blob);
                }
            }

            Assert.Equal(log.Length, log.Scan().LongCount());
            var next = log.Length;
            Assert.Equal(next, log.Append(LogWriterRows.Origin, LogWriterRows.SeqOf(next), 0, RowKind.Visible, LogWriterRows.Blob(next)));
            await log.WaitDurableAsync(next, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        }

        // A second crash on the reopened store: its positions continue where the first left off.
        var second = await RunWriterUntilKilledAsync(minimumAcknowledged: acknowledged + 2_000);
        await using var reopened = RecordLogFactory.Open(_directory, new RecordLogOptions());
        Assert.True(reopened.Length > second);
        Assert.True(reopened.TryGet(LogWriterRows.Origin, LogWriterRows.SeqOf(second), out var last));
        Assert.Equal(LogWriterRows.Blob(second), last.Blob);
    }

    /// <summary>Runs the writer until it acknowledged at least the given position, kills it (SIGKILL); returns the last acknowledged position.</summary>
    private async Task<long> RunWriterUntilKilledAsync(long minimumAcknowledged)
    {
        var start = TestTools.StartInfoForBuilt("AspireP2P.Tests.LogWriter", _directory, "false");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var writer = Process.Start(start) ?? throw new InvalidOperationException("the writer did not start");
        var errors = writer.StandardError.ReadToEndAsync();
        var acknowledged = -1L;
        try
        {
            using var deadline = new CancellationTokenSource(Timeouts.Start * 2);
            while (acknowledged < minimumAcknowledged)
            {
                var line = await writer.StandardOutput.ReadLineAsync(deadline.Token)
                    ?? throw new InvalidOperationException($"the writer exited ({await errors})");
                if (line.StartsWith("ACK ", StringComparison.Ordinal))
                {
                    acknowledged = long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
                }
            }
        }
        finally
        {
            writer.Kill(entireProcessTree: true);
            await writer.WaitForExitAsync().WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);
        }

        // Acknowledgements printed after the last one read still count: drain what the writer got out before dying.
        while (await writer.StandardOutput.ReadLineAsync().WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken) is { } line)
        {
            if (line.StartsWith("ACK ", StringComparison.Ordinal))
            {
                acknowledged = long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
            }
        }

        Assert.Equal(137, writer.ExitCode);
        return acknowledged;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
