using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.LogWriter;

// usage: AspireP2P.Tests.LogWriter <directory> <fsync: true|false>
// Prints "OPEN <length>", then "ACK <position>" each time a batch is durable, until killed (or 2,000,000 rows).
if (args.Length != 2 || !bool.TryParse(args[1], out var fsync))
{
    Console.Error.WriteLine("usage: AspireP2P.Tests.LogWriter <directory> <fsync: true|false>");
    return 2;
}

var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
await using var log = RecordLogFactory.Open(args[0], new RecordLogOptions { Fsync = fsync, MemoryBudgetBytes = 1 << 20 });
await output.WriteLineAsync($"OPEN {log.Length}");
var random = new Random(1);
var end = log.Length + 2_000_000;
while (log.Length < end)
{
    var last = 0L;
    for (var i = random.Next(1, 65); i > 0; i--)
    {
        var position = log.Length;
        last = log.Append(LogWriterRows.Origin, LogWriterRows.SeqOf(position), 0, RowKind.Visible, LogWriterRows.Blob(position));
    }

    await log.WaitDurableAsync(last, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    await output.WriteLineAsync($"ACK {last}");
}

return 0;
