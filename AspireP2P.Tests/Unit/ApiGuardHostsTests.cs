using AspireP2P.Node.Hosting;

namespace AspireP2P.Tests.Unit;

/// <summary>The Host names a node answers to: its own addresses and loopback's, never a name someone else chose (DNS rebinding).</summary>
public sealed class ApiGuardHostsTests
{
    [Fact]
    public void OnLoopbackTheNodeAnswersToLoopbackNamesAndItsPublicAddress()
    {
        // The AppHost's shape: the process listens on localhost, peers dial DCP's proxy at localhost:<port>.
        var hosts = ApiGuardHosts.For(new NodeOptions { Host = "localhost", PublicAddress = "localhost:15030" }, new ApiSecurityOptions());

        Assert.Equal(["127.0.0.1", "[::1]", "localhost"], hosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OnAHostAddressTheNodeAnswersToThatAddressOnly()
    {
        var hosts = ApiGuardHosts.For(new NodeOptions { Host = "10.77.0.2" }, new ApiSecurityOptions());

        Assert.Equal(["10.77.0.2"], hosts);
    }

    [Fact]
    public void ThePublicAddressAndConfiguredHostsAreAdded()
    {
        var hosts = ApiGuardHosts.For(
            new NodeOptions { Host = "10.77.0.2", PublicAddress = "ws://node-2.lab.example:4040" },
            new ApiSecurityOptions { AllowedHosts = "*.lab.example; ::1" });

        Assert.Equal(["*.lab.example", "10.77.0.2", "[::1]", "node-2.lab.example"], hosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OnEveryInterfaceTheNodeAnswersToLoopbackAndTheMachinesOwnNameAndAddresses()
    {
        var hosts = ApiGuardHosts.For(new NodeOptions { Host = "0.0.0.0" }, new ApiSecurityOptions { ApiKey = "0123456789abcdef" });

        Assert.Contains("localhost", hosts);
        Assert.Contains("127.0.0.1", hosts);
        Assert.Contains(Environment.MachineName, hosts);
        Assert.DoesNotContain("0.0.0.0", hosts);
    }

    [Fact]
    public void AStarTurnsTheCheckOff()
    {
        Assert.Equal(["*"], ApiGuardHosts.For(new NodeOptions { Host = "10.77.0.2" }, new ApiSecurityOptions { AllowedHosts = "a.example,*" }));
    }
}
