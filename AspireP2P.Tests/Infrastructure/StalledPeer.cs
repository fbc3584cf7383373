namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// A peer that completes the WebSocket upgrade and then never reads again: the slowest peer there is.
/// Its tiny receive buffer makes the sender's socket fill quickly.
/// </summary>
public sealed class StalledPeer : IAsyncDisposable
{
    private readonly FakeServer _server = new(FakeServerKind.Stalled);

    public string Address => _server.Address;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
