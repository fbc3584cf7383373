using AspireP2P.Node.Telemetry;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>A link's close reason as a metric tag: the same reason with other numbers is one series, and the series stay few.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class BoundedTagValuesTests
{
    [Fact]
    public void NumbersInAReasonDoNotMakeNewValues()
    {
        var tags = new BoundedTagValues();

        Assert.Equal("silent for #.# s (heartbeat timeout # s)", tags.Of("silent for 3.2 s (heartbeat timeout 3 s)"));
        Assert.Equal(tags.Of("silent for 3.2 s (heartbeat timeout 3 s)"), tags.Of("silent for 12.75 s (heartbeat timeout 3 s)"));
        Assert.Null(tags.Of(null));
    }

    [Fact]
    public void ALongReasonIsCut()
    {
        var tag = new BoundedTagValues().Of(new string('x', 500));

        Assert.Equal(BoundedTagValues.MaxLength, tag!.Length);
    }

    [Fact]
    public void BeyondItsCapacityEveryNewReasonIsOther()
    {
        var tags = new BoundedTagValues();
        var reasons = Enumerable.Range(0, BoundedTagValues.Capacity + 10).Select(i => $"reason {(char)('a' + (i % 26))}{(char)('a' + (i / 26))}").ToList();

        var values = reasons.Select(tags.Of).ToList();

        Assert.Equal(reasons.Take(BoundedTagValues.Capacity), values.Take(BoundedTagValues.Capacity));
        Assert.All(values.Skip(BoundedTagValues.Capacity), v => Assert.Equal(BoundedTagValues.Other, v));
        // A reason seen before the cap keeps its own value.
        Assert.Equal(reasons[0], tags.Of(reasons[0]));
    }
}
