using System.Reflection;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// <c>dotnet test --filter Category=…</c> selects a tier only if every test names exactly one: an untagged test would
/// run in no tier's filter, a test with two would run twice.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class TierTests
{
    [Fact]
    public void EveryTestNamesExactlyOneKnownTier()
    {
        var tests = typeof(TierTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.IsDefined(typeof(FactAttribute), inherit: true))
            .ToList();

        Assert.NotEmpty(tests);
        Assert.All(tests, test =>
        {
            var tiers = test.GetCustomAttributes<TraitAttribute>()
                .Concat(test.DeclaringType!.GetCustomAttributes<TraitAttribute>())
                .Where(trait => trait.Name == Tier.Category)
                .Select(trait => trait.Value)
                .ToList();
            var tier = Assert.Single(tiers);
            Assert.Contains(tier, Tier.All);
        });
    }
}
