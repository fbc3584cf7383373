using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>The arithmetic of held seq ranges: what a summary covers, and one set of ranges minus another.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class SeqRangesTests
{
    [Fact]
    public void HeldIsOneToHighOutsideTheGaps()
    {
        Assert.Equal([(1L, 10L)], SeqRanges.Held(10, []));
        Assert.Equal([(1L, 2L), (5L, 5L), (8L, 10L)], SeqRanges.Held(10, [3, 4, 6, 7]));
        Assert.Equal([(2L, 10L)], SeqRanges.Held(10, [1, 1]));
        Assert.Equal([(1L, 9L)], SeqRanges.Held(10, [10, 10]));
        Assert.Empty(SeqRanges.Held(0, []));
        Assert.Empty(SeqRanges.Held(4, [1, 4]));
    }

    [Theory]
    [InlineData("1-10", "", "1-10")]
    [InlineData("1-10", "1-10", "")]
    [InlineData("1-10", "3-4", "1-2,5-10")]
    [InlineData("1-10", "0-3,8-20", "4-7")]
    [InlineData("1-3,7-9", "2-8", "1-1,9-9")]
    [InlineData("1-3,7-9", "4-6", "1-3,7-9")]
    [InlineData("5-5", "1-4,6-9", "5-5")]
    [InlineData("1-2,4-5,7-8", "2-7", "1-1,8-8")]
    [InlineData("", "1-5", "")]
    public void SubtractLeavesWhatTheSecondSetDoesNotCover(string mine, string theirs, string expected)
    {
        Assert.Equal(Ranges(expected), SeqRanges.Subtract(Ranges(mine), Ranges(theirs)));
    }

    [Fact]
    public void CountAddsUpRangeLengths() => Assert.Equal(2 + 1 + 3, SeqRanges.Count([(1, 2), (5, 5), (8, 10)]));

    private static List<(long From, long To)> Ranges(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(r => r.Split('-')).Select(p => (long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
}
