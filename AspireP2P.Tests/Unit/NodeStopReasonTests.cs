using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>Why a node stopped, read from what it printed on stderr, so the dashboard can say it.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NodeStopReasonTests
{
    [Fact]
    public void APortAlreadyInUseIsNamedFromTheUnhandledException()
    {
        // What a node whose port is taken prints on stderr (the runtime's report of the exception that ended it).
        string[] stderr =
        [
            "Unhandled exception. System.IO.IOException: Failed to bind to address http://127.0.0.1:3031: address already in use.",
            " ---> Microsoft.AspNetCore.Connections.AddressInUseException: Address already in use",
            " ---> System.Net.Sockets.SocketException (98): Address already in use",
            "   at System.Net.Sockets.Socket.UpdateStatusAfterSocketErrorAndThrowException(SocketError error, Boolean disconnectOnFailure, String callerName)",
            "   --- End of inner exception stack trace ---",
            "   at Program.<Main>(String[] args)",
        ];

        Assert.Equal("Failed to bind to address http://127.0.0.1:3031: address already in use.", NodeStopReason.From(stderr));
    }

    [Fact]
    public void TheLastExceptionWinsAndNothingIsInventedWithoutOne()
    {
        Assert.Equal("second", NodeStopReason.From(["System.InvalidOperationException: first", "Unhandled exception. System.Exception: second"]));
        Assert.Null(NodeStopReason.From(["warn: something", "   at Foo.Bar()"]));
        Assert.Null(NodeStopReason.From([]));
        Assert.Equal("as Aspire keeps it", NodeStopReason.From(["2026-12-06T23:07:39.4332007Z System.Exception: as Aspire keeps it"]));
    }

    [Fact]
    public void ALongReasonIsCut()
    {
        var reason = NodeStopReason.From([$"System.Exception: {new string('x', 1000)}"]);

        Assert.NotNull(reason);
        Assert.True(reason.Length <= 240);
        Assert.EndsWith("…", reason, StringComparison.Ordinal);
    }
}
