namespace AspireP2P.Node.Transport;

public enum FrameKind
{
    /// <summary>A whole text message.</summary>
    Text,

    /// <summary>A binary message (not part of the protocol); its bytes were discarded.</summary>
    Binary,

    /// <summary>A message over the size cap; its bytes were discarded unread.</summary>
    Oversize,

    /// <summary>The connection ended; <see cref="InboundFrame.CloseReason"/> says how.</summary>
    Closed,
}

/// <summary>One received message. <see cref="Data"/> is valid until the next receive on the same connection.</summary>
public readonly record struct InboundFrame(FrameKind Kind, ReadOnlyMemory<byte> Data, string? CloseReason = null, int Length = 0);

/// <summary>
/// One link's connection, as the transport seam gives it: whole messages in and out, one reader and one writer at a
/// time. Implemented over a WebSocket (<see cref="WebSocketConnection"/>) and in memory (<see cref="InMemoryTransport"/>).
/// </summary>
public interface IPeerConnection : IAsyncDisposable
{
    /// <summary>Who is at the other end, for logs (an IP endpoint, or an in-memory name).</summary>
    string Remote { get; }

    /// <summary>The next whole message; one over <paramref name="maxBytes"/> is discarded and reported as <see cref="FrameKind.Oversize"/>.</summary>
    ValueTask<InboundFrame> ReceiveAsync(int maxBytes, CancellationToken cancellationToken);

    /// <summary>Sends one text message.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Tells the other end why the link ends, and ends it.</summary>
    ValueTask CloseAsync(string reason, CancellationToken cancellationToken);

    /// <summary>Ends the link at once, without a word (what a crash or a cut cable looks like from the other end is up to the transport).</summary>
    void Abort();
}
