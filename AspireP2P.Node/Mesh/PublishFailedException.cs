namespace AspireP2P.Node.Mesh;

/// <summary>
/// A record was not published (or not made durable) and why, in words an answer may carry: never a file path or a stack
/// (the node's log has those). POST /record answers 503 with <see cref="Exception.Message"/>.
/// </summary>
public sealed class PublishFailedException(string reason, Exception? inner = null) : Exception(reason, inner);
