using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// <c>--api-key</c> and the other API guard settings: a node that listens beyond loopback must have a key and refuses to
/// start without one, naming the setting; on loopback the key is optional.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class ApiSecurityOptionsTests
{
    private const string Key = "0123456789abcdef-test-key";

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.7.20")]
    [InlineData("node.example")]
    public void AKeyIsRequiredWhenTheNodeListensBeyondLoopback(string host)
    {
        var result = Validate(host, new ApiSecurityOptions());

        Assert.True(result.Failed);
        Assert.Contains($"P2P:ApiKey (--api-key) is required when the node listens beyond loopback (P2P:Host is '{host}')", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validate(host, new ApiSecurityOptions { ApiKey = Key }).Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("localhost")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public void OnLoopbackTheKeyIsOptional(string host)
    {
        Assert.True(Validate(host, new ApiSecurityOptions()).Succeeded);
        Assert.True(Validate(host, new ApiSecurityOptions { ApiKey = Key }).Succeeded);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in the middle of it")]
    [InlineData("0123456789abcdef\u00e9")]
    public void AWeakOrUnsendableKeyIsRefusedWithoutEchoingIt(string key)
    {
        var result = Validate("127.0.0.1", new ApiSecurityOptions { ApiKey = key });

        Assert.True(result.Failed);
        Assert.Contains("P2P:ApiKey (--api-key) must be at least 16 printable ASCII characters", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedHostsMustBeHostNames()
    {
        var result = Validate("127.0.0.1", new ApiSecurityOptions { AllowedHosts = "node.example; *.lab.example, 10.0.0.5, [::1], http://x.example:80" });

        Assert.Equal(["P2P:AllowedHosts entry 'http://x.example:80' is not a host name (no scheme or port: 'node.example.com', '*.example.com', '10.0.0.5', '[::1]')."], result.Failures);
    }

    [Fact]
    public void TheApiKeyFlagAndTheRateLimitKeysBind()
    {
        var options = Resolve("--api-key", Key, "--P2P:RateLimit:PermitsPerSecond", "5", "--P2P:RateLimit:Burst", "9", "--P2P:RateLimit:ExemptLoopback", "false",
            "--P2P:AllowedHosts", "a.example;b.example", "--P2P:LoopbackPageToken", "false");

        Assert.Equal(Key, options.ApiKey);
        Assert.Equal(5, options.RateLimit.PermitsPerSecond);
        Assert.Equal(9, options.RateLimit.Burst);
        Assert.False(options.RateLimit.ExemptLoopback);
        Assert.Equal(["a.example", "b.example"], options.AllowedHostList);
        Assert.False(options.LoopbackPageToken);
    }

    [Fact]
    public void DefaultsLimitOtherMachinesButNotLoopback()
    {
        var options = Resolve();

        Assert.Null(options.ApiKey);
        Assert.Equal(1000, options.RateLimit.PermitsPerSecond);
        Assert.Equal(2000, options.RateLimit.Burst);
        Assert.True(options.RateLimit.ExemptLoopback);
        Assert.True(options.LoopbackPageToken);
    }

    [Fact]
    public void ABurstBelowTheSustainedRateIsRefused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve("--P2P:RateLimit:PermitsPerSecond", "50", "--P2P:RateLimit:Burst", "10"));

        Assert.Contains("P2P:RateLimit:Burst (10) must be at least P2P:RateLimit:PermitsPerSecond (50)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeListeningBeyondLoopbackWithoutAKeyRefusesToStart()
    {
        // Validation runs before Kestrel binds, so nothing listens on (or sends to) this address.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = NodeApp.Create(["--host", "10.1.2.3", "--port", "0"], builder => builder.Logging.ClearProviders());
            await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);
        });

        Assert.Contains("P2P:ApiKey (--api-key) is required when the node listens beyond loopback (P2P:Host is '10.1.2.3')", error.Message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(string host, ApiSecurityOptions options) =>
        new ApiSecurityOptionsValidator(Options.Create(new NodeOptions { Host = host })).Validate(null, options);

    /// <summary>The node's own registration: the flags, binding and every validation.</summary>
    private static ApiSecurityOptions Resolve(params string[] args)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddNodeCommandLine(args);
        builder.AddStandaloneNode();
        builder.AddApiGuard();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<ApiSecurityOptions>>().Value;
    }
}
