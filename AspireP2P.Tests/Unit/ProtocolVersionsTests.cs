using AspireP2P.Node.Protocol.Binary;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>Old and new nodes agree on the highest protocol both speak, so a version-3 node still talks JSON to a version-2 one.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class ProtocolVersionsTests
{
    [Theory]
    [InlineData("2", 2, 3, 2)]
    [InlineData("2-3", 2, 3, 3)]
    [InlineData("3", 2, 3, 3)]
    [InlineData("2-3", 2, 2, 2)]
    [InlineData("1,3-9", 2, 3, 3)]
    [InlineData("4-5", 2, 3, null)]
    [InlineData("1", 2, 3, null)]
    [InlineData("x-3", 2, 3, null)]
    [InlineData("3-2", 2, 3, null)]
    [InlineData("", 2, 3, null)]
    [InlineData(null, 2, 3, null)]
    public void TheHighestVersionBothSpeakIsChosen(string? theirs, int min, int max, int? chosen) =>
        Assert.Equal(chosen, ProtocolVersions.Choose(theirs, min, max));

    [Fact]
    public void ANodeNamesItsRangeAsItsPeersParseIt()
    {
        Assert.Equal("2-3", ProtocolVersions.Range(2, 3));
        Assert.Equal("3", ProtocolVersions.Range(3, 3));
        Assert.Equal(3, ProtocolVersions.Choose(ProtocolVersions.Range(ProtocolVersions.Json, ProtocolVersions.Binary), 2, 3));
    }
}
