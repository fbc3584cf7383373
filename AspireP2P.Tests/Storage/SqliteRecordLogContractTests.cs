using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Tests.Storage;

/// <summary>The contract on the on-disk log, each test in a fresh temporary store (removed when the log is disposed).</summary>
[Trait("Category", "Unit")]
public sealed class SqliteRecordLogContractTests : RecordLogContractTests
{
    protected override IRecordLog Open() => RecordLogFactory.Open(null, new RecordLogOptions());
}
