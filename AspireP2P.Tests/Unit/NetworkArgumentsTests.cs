using Aspire.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The AppHost's flags, read as the AppHost reads them (command line over configuration): a good value gives the network,
/// a bad one one sentence that names the flag and what it allows (AppHost.cs prints it and exits with 2; see
/// Aspire/AppHostArgumentProcessTests for the real process).
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NetworkArgumentsTests
{
    [Fact]
    public void NoFlagsGiveThreeNodesFromPort3030WithTheLiveViewEverySecond()
    {
        var options = Read();

        Assert.Equal((3, 3030, 0, 0, false, null), (options.Nodes, options.BasePort, options.Spares, options.TargetPeers, options.Proxy, options.DataDir));
        Assert.Equal(TimeSpan.FromSeconds(1), options.LiveInterval);
    }

    [Fact]
    public void EveryFlagIsReadAndTheCommandLineWinsOverTheEnvironment()
    {
        var options = Read(
            ["--nodes", "5", "--base-port", "4000", "--launch", "nativeaot", "--data-dir", "p2p-data", "--target-peers", "3",
             "--spares", "2", "--live-interval", "0.5", "--proxy", "true"],
            ("Network:Nodes", "9"));

        Assert.Equal((5, 4000, P2PNodeLaunch.NativeAot, "p2p-data", 3, 2, true),
            (options.Nodes, options.BasePort, options.Launch, options.DataDir, options.TargetPeers, options.Spares, options.Proxy));
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.LiveInterval);
    }

    [Theory]
    [InlineData("0", "00:00:00")]
    [InlineData("2", "00:00:02")]
    [InlineData("00:00:02", "00:00:02")]
    [InlineData("00:01:00", "00:01:00")]
    public void LiveIntervalIsSecondsOrATimeSpanAndZeroTurnsItOff(string value, string expected) =>
        Assert.Equal(TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Read(["--live-interval", value]).LiveInterval);

    [Theory]
    [InlineData("--nodes", "0", "--nodes must be a whole number from 1 to 1000, not '0'.")]
    [InlineData("--nodes", "-3", "--nodes must be a whole number from 1 to 1000, not '-3'.")]
    [InlineData("--nodes", "three", "--nodes must be a whole number from 1 to 1000, not 'three'.")]
    [InlineData("--nodes", "1001", "--nodes must be a whole number from 1 to 1000, not '1001'.")]
    [InlineData("--base-port", "0", "--base-port must be a whole number from 1 to 65535, not '0'.")]
    [InlineData("--base-port", "70000", "--base-port must be a whole number from 1 to 65535, not '70000'.")]
    [InlineData("--base-port", "30x0", "--base-port must be a whole number from 1 to 65535, not '30x0'.")]
    [InlineData("--launch", "Docker", "--launch must be Auto, Executable, Project or NativeAot, not 'Docker'.")]
    [InlineData("--launch", "1", "--launch must be Auto, Executable, Project or NativeAot, not '1'.")]
    [InlineData("--target-peers", "65", "--target-peers must be a whole number from 0 to 64, not '65'.")]
    [InlineData("--target-peers", "many", "--target-peers must be a whole number from 0 to 64, not 'many'.")]
    [InlineData("--spares", "-1", "--spares must be a whole number from 0 to 1000, not '-1'.")]
    [InlineData("--spares", "2.5", "--spares must be a whole number from 0 to 1000, not '2.5'.")]
    [InlineData("--live-interval", "-1", "--live-interval must be a number of seconds from 0.1 to 3600 (or hh:mm:ss), or 0 to turn the live view off, not '-1'.")]
    [InlineData("--live-interval", "0.01", "--live-interval must be a number of seconds from 0.1 to 3600 (or hh:mm:ss), or 0 to turn the live view off, not '0.01'.")]
    [InlineData("--live-interval", "soon", "--live-interval must be a number of seconds from 0.1 to 3600 (or hh:mm:ss), or 0 to turn the live view off, not 'soon'.")]
    [InlineData("--proxy", "maybe", "--proxy must be true or false, not 'maybe'.")]
    [InlineData("--data-dir", " ", "--data-dir must be a directory (each node keeps its records in a folder under it), not ' '.")]
    public void ABadValueIsRefusedInOneSentenceNamingTheFlagAndWhatItAllows(string flag, string value, string message)
    {
        var error = Assert.Throws<P2PNetworkArgumentException>(() => Read([flag, value]));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void AFileGivenAsTheDataDirectoryIsRefused()
    {
        var file = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<P2PNetworkArgumentException>(() => Read(["--data-dir", file]));
            Assert.Equal($"--data-dir must be a directory (each node keeps its records in a folder under it), not '{file}', which is a file.", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ABasePortWithoutRoomForEveryNodeSaysHowManyPortsAreNeededAndMentionsSparesOnlyWhenThereAreSome()
    {
        var withoutSpares = Assert.Throws<P2PNetworkArgumentException>(() => Read(["--base-port", "65534"]));
        var withSpares = Assert.Throws<P2PNetworkArgumentException>(() => Read(["--base-port", "65530", "--nodes", "3", "--spares", "5"]));
        var oneNodeTooMany = Assert.Throws<P2PNetworkArgumentException>(() => Read(["--base-port", "65535", "--nodes", "2", "--spares", "1"]));

        Assert.Equal("--base-port 65534 leaves room for 2 ports up to 65535, but 3 nodes need 3: use a base port from 1 to 65533.", withoutSpares.Message);
        Assert.Equal("--base-port 65530 leaves room for 6 ports up to 65535, but 3 nodes and 5 spares need 8: use a base port from 1 to 65528.", withSpares.Message);
        Assert.Equal("--base-port 65535 leaves room for 1 port up to 65535, but 2 nodes and 1 spare need 3: use a base port from 1 to 65533.", oneNodeTooMany.Message);
        Assert.Equal(65535, Read(["--base-port", "65535", "--nodes", "1"]).BasePort);
    }

    [Fact]
    public void TheSameChecksApplyToTheNetworkSettingsInTheEnvironment()
    {
        var error = Assert.Throws<P2PNetworkArgumentException>(() => Read([], ("Network:Nodes", "none")));

        Assert.StartsWith("--nodes must be a whole number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTraceBudgetIsReadFromTheFlagOrEitherSettingAndDefaultsToFiveASecond()
    {
        Assert.Equal(P2PNetworkOptions.DefaultTracesPerSecond, Read().TracesPerSecond);
        Assert.Equal(12.5, Read(["--traces-per-second", "12.5"], ("Network:TracesPerSecond", "3")).TracesPerSecond);
        Assert.Equal(3, Read([], ("Network:TracesPerSecond", "3")).TracesPerSecond);
        Assert.Equal(0, Read(["--Telemetry:TracesPerSecond=0"]).TracesPerSecond);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("fast")]
    [InlineData("Infinity")]
    public void ATraceBudgetThatIsNotARateIsRefusedNamingTheFlag(string value)
    {
        var error = Assert.Throws<P2PNetworkArgumentException>(() => Read(["--traces-per-second", value]));

        Assert.Equal($"--traces-per-second must be a number of traces a second for the whole network, 0 or more, not '{value}'.", error.Message);
        // The same setting under the network's own section is checked the same way, never by the binder.
        Assert.Throws<P2PNetworkArgumentException>(() => Read([], ("Network:TracesPerSecond", value)));
    }

    private static P2PNetworkOptions Read(string[]? args = null, params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .AddP2PNetworkCommandLine(args ?? [])
            .Build();
        return configuration.GetP2PNetworkOptions();
    }
}
