namespace AspireP2P.Node.Mesh;

/// <summary>
/// What whoever stored an entry tells the relay about it: the link it came on (0: published here), the origin's public key
/// (it travels with the record), the hops it has made, and its live broadcast's trace context. A catch-up copy
/// (<see cref="Sync"/>) is relayed as one, untraced.
/// </summary>
public sealed record RelayContext(long FromLink, byte[] PublicKey, int Hops, string? Traceparent, string? Tracestate, bool Sync);
