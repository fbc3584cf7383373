using AspireP2P.Simulation.Overlay;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Simulation;

/// <summary>
/// The membership and broadcast policies in the overlay harness (many policies over one event loop, no sockets): a
/// chain-joined network gets a small diameter, stays one piece when half of it crashes and with small caps, and eager/lazy
/// push delivers every record with about one record message per delivery, no later than flooding. Each prints its figures.
/// </summary>
[Trait(Tier.Category, Tier.Simulation)]
[Collection(SimulationsRunAlone.Name)]
public sealed class OverlayTests
{
    [Fact]
    public void TwentyFiveNodesJoiningAsAChainEndWithADiameterOfAtMostEight()
    {
        var (hyparview, exchange, _) = OverlayFigures.ChainJoin(25, target: 3, maxPeers: 16, seed: 1, settle: TimeSpan.FromSeconds(60));

        Print($"25 nodes, chain join, target 3: HyParView {hyparview}; today's peer exchange (model) {exchange}");
        Assert.Equal(1, hyparview.Components);
        Assert.True(hyparview.Diameter <= 8, hyparview.ToString());
        Assert.True(hyparview.Diameter < exchange.Diameter, $"{hyparview} vs {exchange}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoHundredNodesWithTargetThreeAndCapFourAreOneComponent(int seed)
    {
        var (hyparview, _, largest) = OverlayFigures.ChainJoin(200, target: 3, maxPeers: 4, seed, settle: TimeSpan.FromSeconds(60));

        Print($"200 nodes, target 3, cap 4, seed {seed}: {hyparview}; largest active view {largest}");
        Assert.Equal(1, hyparview.Components);
        Assert.True(largest <= 4, $"an active view of {largest}");
    }

    [Theory]
    [InlineData(25, 3)]
    [InlineData(200, 3)]
    [InlineData(400, 6)]
    public void HalfTheNodesCrashingAtOnceLeavesTheRestOneComponent(int nodes, int target)
    {
        var (before, after) = OverlayFigures.MassFailure(nodes, target, seed: 5, recover: TimeSpan.FromSeconds(30));

        Print($"{nodes} nodes, target {target}, half crash: before {before}; 30 s after {after}");
        Assert.Equal(nodes - (nodes / 2), after.Nodes);
        Assert.Equal(1, after.Components);
        Assert.True(after.Degrees.Keys.Min() >= 1, after.ToString());
    }

    [Fact]
    public void EagerLazyPushCostsAboutOneRecordMessagePerDeliveryAndIsNoSlowerThanFlooding()
    {
        var (eagerLazy, flooding, graph) = OverlayFigures.Broadcast(200, 6, seed: 2, records: 400, perSecond: 20,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.Zero);

        Print($"200 nodes ({graph}): eager/lazy {eagerLazy}; flooding {flooding}");
        Assert.Equal(0, eagerLazy.Undelivered);
        Assert.True(eagerLazy.MessagesPerDelivery <= 1.1, eagerLazy.ToString());
        Assert.True(flooding.MessagesPerDelivery > 4, flooding.ToString());
        Assert.True(eagerLazy.LastDeliveryP99 <= flooding.LastDeliveryP99, $"{eagerLazy} vs {flooding}");
        Assert.True(eagerLazy.LastDeliveryMax <= flooding.LastDeliveryMax, $"{eagerLazy} vs {flooding}");
    }

    [Fact]
    public void AThousandNodesAtTargetSixCostAboutOneRecordMessagePerDelivery()
    {
        var (eagerLazy, flooding, graph) = OverlayFigures.Broadcast(1000, 6, seed: 3, records: 200, perSecond: 20,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.Zero, publishers: 50);

        Print($"1,000 nodes ({graph}): eager/lazy {eagerLazy}; flooding {flooding}");
        Assert.Equal(0, eagerLazy.Undelivered);
        Assert.True(eagerLazy.MessagesPerDelivery <= 1.1, eagerLazy.ToString());
        Assert.True(eagerLazy.LastDeliveryP99 <= flooding.LastDeliveryP99, $"{eagerLazy} vs {flooding}");
    }

    [Fact]
    public void LinksThatFailAreRepairedByGraftsAndEveryRecordStillArrives()
    {
        var (eagerLazy, flooding, _) = OverlayFigures.Broadcast(200, 6, seed: 4, records: 400, perSecond: 20,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.Zero, cutLinks: 0.1);

        Print($"200 nodes, 10 % of the links cut halfway: eager/lazy {eagerLazy}; flooding {flooding}");
        Assert.Equal(0, eagerLazy.Undelivered);
        Assert.True(eagerLazy.Grafts > 0);
        Assert.True(eagerLazy.MessagesPerDelivery <= 1.3, eagerLazy.ToString());
    }

    [Fact]
    public void TheSameSeedBuildsTheSameOverlay()
    {
        var first = OverlayFigures.ChainJoin(60, 3, 16, seed: 8, TimeSpan.FromSeconds(30)).HyParView;
        var second = OverlayFigures.ChainJoin(60, 3, 16, seed: 8, TimeSpan.FromSeconds(30)).HyParView;
        var other = OverlayFigures.ChainJoin(60, 3, 16, seed: 9, TimeSpan.FromSeconds(30)).HyParView;

        Assert.Equal(first.ToString(), second.ToString());
        Assert.NotEqual(first.ToString(), other.ToString());
    }

    private static void Print(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
