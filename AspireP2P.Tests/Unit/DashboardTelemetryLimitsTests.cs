using Aspire.Hosting;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The dashboard's telemetry limits the AppHost starts it with: the project's defaults, each overridable under the
/// names Aspire documents (<c>Dashboard:TelemetryLimits:*</c>, <c>DASHBOARD__TELEMETRYLIMITS__*</c>), nonsense refused.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class DashboardTelemetryLimitsTests
{
    [Fact]
    public void WithoutSettingsTheProjectsDefaultsApply()
    {
        var limits = NetworkTelemetry.DashboardLimits(Configuration());

        Assert.Equal(1_000, limits["MaxTraceCount"]);
        Assert.Equal(10_000, limits["MaxLogCount"]);
        Assert.Equal(720, limits["MaxMetricsCount"]);
    }

    [Fact]
    public void ASettingOverridesItsDefaultAndOtherLimitsPassThrough()
    {
        var limits = NetworkTelemetry.DashboardLimits(Configuration(
            ("Dashboard:TelemetryLimits:MaxTraceCount", "20000"),
            // As the environment spells it: DASHBOARD__TELEMETRYLIMITS__MAXSPANEVENTCOUNT.
            ("DASHBOARD:TELEMETRYLIMITS:MAXSPANEVENTCOUNT", "50")));

        Assert.Equal(20_000, limits["MaxTraceCount"]);
        Assert.Equal(50, limits["MaxSpanEventCount"]);
        Assert.Equal(10_000, limits["MaxLogCount"]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("many")]
    public void ALimitThatIsNotAPositiveWholeNumberIsRefusedWithItsName(string value)
    {
        var error = Assert.Throws<P2PNetworkArgumentException>(() => NetworkTelemetry.DashboardLimits(Configuration(("Dashboard:TelemetryLimits:MaxLogCount", value))));

        Assert.Contains("Dashboard:TelemetryLimits:MaxLogCount", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("NaN")]
    public void ATraceBudgetThatIsNotARateIsRefusedWithTheFlagsName(string budget)
    {
        var error = Assert.Throws<P2PNetworkArgumentException>(() => NetworkTelemetry.Validate(Configuration(("Telemetry:TracesPerSecond", budget))));

        Assert.Contains("--traces-per-second", error.Message, StringComparison.Ordinal);
        Assert.Contains(budget, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
