using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Storage;

/// <summary>The contract on the on-disk log, each test in a fresh temporary store (removed when the log is disposed).</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class SqliteRecordLogContractTests : RecordLogContractTests
{
    protected override IRecordLog Open() => RecordLogFactory.Open(null, new RecordLogOptions());
}
