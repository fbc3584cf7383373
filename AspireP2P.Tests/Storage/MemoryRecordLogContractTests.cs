using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Storage;

[Trait(Tier.Category, Tier.Unit)]
public sealed class MemoryRecordLogContractTests : RecordLogContractTests
{
    protected override IRecordLog Open() => new MemoryRecordLog();
}
