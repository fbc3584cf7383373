using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireP2P.Tests.Unit;

/// <summary>The tutorial's flags and the configuration system map onto <see cref="NodeOptions"/>; bad settings fail with a message that names them.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NodeOptionsTests
{
    [Fact]
    public void DefaultsAreTheTutorials()
    {
        var options = Bind();

        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(3030, options.Port);
        Assert.Empty(options.PeerList);
        Assert.Equal(64 * 1024, options.MaxRecordBytes);
        Assert.Equal(80 * 1024, options.MaxFrameBytes);
        Assert.True(new NodeOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("--port", "4040", "--peers", "127.0.0.1:3030,ws://localhost:5050", "--host", "0.0.0.0")]
    [InlineData("--port=4040", "--peers=127.0.0.1:3030,ws://localhost:5050", "--host=0.0.0.0")]
    public void TutorialFlagsMapOntoTheOptions(params string[] args)
    {
        var options = Resolve(configuration => configuration.AddNodeCommandLine(args));

        Assert.Equal(4040, options.Port);
        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal(["127.0.0.1:3030", "ws://localhost:5050"], options.PeerList);
    }

    [Theory]
    [InlineData("--public-address", "127.0.0.1:9000", nameof(NodeOptions.PublicAddress))]
    [InlineData("--node-id", "a1b2c3", nameof(NodeOptions.Name))]
    [InlineData("--name", "node-2", nameof(NodeOptions.Name))]
    [InlineData("--max-record-bytes", "2048", nameof(NodeOptions.MaxRecordBytes))]
    [InlineData("--max-frame-bytes", "9999", nameof(NodeOptions.MaxFrameBytes))]
    public void EveryDocumentedFlagMapsOntoItsSetting(string flag, string value, string property)
    {
        var options = Bind(flag, value);

        Assert.Equal(value, typeof(NodeOptions).GetProperty(property)!.GetValue(options)!.ToString());
    }

    [Fact]
    public void ConfigurationKeysInTheP2PSectionBindToo()
    {
        var options = Resolve(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["P2P:Port"] = "5050",
            ["p2p:peers"] = "127.0.0.1:4040",
            ["P2P:MaxRecordBytes"] = "1024",
            ["P2P:MaxFrameBytes"] = "4096",
            ["P2P:ControlQueueCapacity"] = "16",
            ["P2P:ConnectTimeout"] = "00:00:02",
        }));

        Assert.Equal(5050, options.Port);
        Assert.Equal(["127.0.0.1:4040"], options.PeerList);
        Assert.Equal(1024, options.MaxRecordBytes);
        Assert.Equal(4096, options.MaxFrameBytes);
        Assert.Equal(16, options.ControlQueueCapacity);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ConnectTimeout);
    }

    [Theory]
    [InlineData(" 127.0.0.1:3030 , ,ws://localhost:5050,", new[] { "127.0.0.1:3030", "ws://localhost:5050" })]
    [InlineData("   ", new string[0])]
    [InlineData("", new string[0])]
    public void PeerListTrimsAndSkipsEmptyEntries(string peers, string[] expected)
    {
        Assert.Equal(expected, new NodeOptions { Peers = peers }.PeerList);
    }

    [Fact]
    public void InvalidPeersFailValidationNamingEachEntryAndWhy()
    {
        var result = new NodeOptionsValidator().Validate(null, Bind("--peers", "a,127.0.0.1:4040,ftp://b:21"));

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "P2P:Peers entry 'a' is not a peer address: the port is missing (expected host:port)",
                "P2P:Peers entry 'ftp://b:21' is not a peer address: the scheme 'ftp' is not one of http, https, ws, wss",
            ],
            result.Failures);
    }

    [Theory]
    [InlineData(8192, 4096, false)]
    [InlineData(4096, 4096, false)]
    [InlineData(4096, 5119, false)]
    [InlineData(4096, 5120, true)]
    public void TheFrameCapMustLeaveRoomForARecordAndItsEnvelope(int maxRecordBytes, int maxFrameBytes, bool valid)
    {
        var result = new NodeOptionsValidator().Validate(null, new NodeOptions { MaxRecordBytes = maxRecordBytes, MaxFrameBytes = maxFrameBytes });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"P2P:MaxFrameBytes ({maxFrameBytes}) must exceed P2P:MaxRecordBytes ({maxRecordBytes}) by at least 1024 bytes", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnInvalidPublicAddressFailsValidation()
    {
        var result = new NodeOptionsValidator().Validate(null, new NodeOptions { PublicAddress = "node.example" });

        Assert.Equal(["P2P:PublicAddress 'node.example' is not an address: the port is missing (expected host:port)"], result.Failures);
    }

    [Theory]
    [InlineData(0, 250, 5000)]
    [InlineData(5000, 0, 5000)]
    [InlineData(5000, 1000, 500)]
    public void TimeoutsMustBePositiveAndTheBackoffCapAtLeastItsStart(int connectMs, int minMs, int maxMs)
    {
        var result = new NodeOptionsValidator().Validate(null, new NodeOptions
        {
            ConnectTimeout = TimeSpan.FromMilliseconds(connectMs),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(minMs),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(maxMs),
        });

        Assert.Contains("P2P:ReconnectMaxDelay at least P2P:ReconnectMinDelay", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNodesOwnOptionsPipelineReportsEveryProblemAtOnce()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(configuration => configuration.AddNodeCommandLine(
            ["--port", "70000", "--peers", "a,b", "--max-record-bytes", "8192", "--max-frame-bytes", "4096"])));

        // Data annotations (the port range) and the validator (peers, caps) both speak.
        Assert.Contains("Port", error.Message, StringComparison.Ordinal);
        Assert.Contains("65535", error.Message, StringComparison.Ordinal);
        Assert.Contains("P2P:Peers entry 'a'", error.Message, StringComparison.Ordinal);
        Assert.Contains("P2P:Peers entry 'b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("P2P:MaxFrameBytes (4096) must exceed P2P:MaxRecordBytes (8192)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonNumericPortIsRefusedNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(configuration => configuration.AddNodeCommandLine(["--port", "abc"])));

        Assert.Contains("P2P:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeWithInvalidPeersRefusesToStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = NodeApp.Create(["--host", "127.0.0.1", "--port", "0", "--peers", "127.0.0.1"], builder => builder.Logging.ClearProviders());
            await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);
        });

        Assert.Contains("P2P:Peers entry '127.0.0.1' is not a peer address: the port is missing", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Binding alone, as the node reads its listen address: the flags through <see cref="NodeServiceExtensions.AddNodeCommandLine"/>.</summary>
    private static NodeOptions Bind(params string[] args) =>
        new ConfigurationBuilder().AddNodeCommandLine(args).Build().GetSection(NodeOptions.SectionName).Get<NodeOptions>() ?? new NodeOptions();

    /// <summary>The node's own registration (<see cref="NodeServiceExtensions.AddStandaloneNode"/>): binding plus every validation.</summary>
    private static NodeOptions Resolve(Action<IConfigurationBuilder> configure)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        configure(builder.Configuration);
        builder.AddStandaloneNode();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<NodeOptions>>().Value;
    }
}
