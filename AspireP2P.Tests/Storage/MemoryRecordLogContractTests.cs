using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class MemoryRecordLogContractTests : RecordLogContractTests
{
    protected override IRecordLog Open() => new MemoryRecordLog();
}
