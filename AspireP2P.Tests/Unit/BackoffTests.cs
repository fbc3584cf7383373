using AspireP2P.Node.Mesh;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>Re-dial delays: double per attempt from the minimum, never above the maximum, and jittered within [step/2, step].</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(3, 1000)]
    [InlineData(4, 2000)]
    [InlineData(5, 4000)]
    [InlineData(6, 5000)]
    [InlineData(7, 5000)]
    public void StepDoublesPerAttemptUpToTheCap(int attempt, double stepMs)
    {
        // random = 1 gives the whole step; random = 0 half of it.
        Assert.Equal(TimeSpan.FromMilliseconds(stepMs), Backoff.Delay(attempt, Min, Max, random: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(stepMs / 2), Backoff.Delay(attempt, Min, Max, random: 0));
    }

    [Fact]
    public void GrowsUntilTheCapThenStays()
    {
        var delays = Enumerable.Range(1, 12).Select(a => Backoff.Delay(a, Min, Max, random: 0.5)).ToArray();

        Assert.All(delays.Zip(delays.Skip(1)), pair => Assert.True(pair.Second >= pair.First));
        Assert.True(delays[1] > delays[0]);
        Assert.Equal(delays[^1], delays[^2]);
        Assert.Equal(TimeSpan.FromMilliseconds(3750), delays[^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void AttemptsBelowOneCountAsTheFirst(int attempt)
    {
        Assert.Equal(Backoff.Delay(1, Min, Max, 0.3), Backoff.Delay(attempt, Min, Max, 0.3));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(1_000)]
    [InlineData(int.MaxValue)]
    public void HugeAttemptCountsDoNotOverflowPastTheCap(int attempt)
    {
        Assert.Equal(Max, Backoff.Delay(attempt, Min, Max, random: 1));
    }

    [Fact]
    public void JitterStaysWithinHalfAStepAndAStep()
    {
        var random = new Random(1234);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var step = Math.Min(Max.TotalMilliseconds, Min.TotalMilliseconds * Math.Pow(2, attempt - 1));
            var delays = Enumerable.Range(0, 200).Select(_ => Backoff.Delay(attempt, Min, Max, random.NextDouble()).TotalMilliseconds).ToArray();

            Assert.All(delays, d => Assert.InRange(d, step / 2, step));
            Assert.True(delays.Distinct().Count() > 100, "different random draws give different delays (no lock-step re-dials)");
        }
    }

    [Theory]
    [InlineData(-1, 500)]
    [InlineData(2, 1000)]
    public void RandomOutsideZeroToOneIsClamped(double random, double expectedMs)
    {
        var delay = Backoff.Delay(3, Min, Max, random);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }
}
