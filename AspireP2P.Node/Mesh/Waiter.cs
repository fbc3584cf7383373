namespace AspireP2P.Node.Mesh;

/// <summary>
/// Someone waiting for the mesh loop's answer (an API call). Whatever happens to the request — answered, its peer
/// removed, the node stopping — the loop answers it exactly once; <see cref="Answer"/> after the first does nothing.
/// Continuations run on the answerer's thread only in the simulator (whose one thread runs everything); a real node's
/// callers await with their own deadline.
/// </summary>
public sealed class Waiter<T>
{
    private readonly TaskCompletionSource<T> _answer = new();

    public Task<T> Task => _answer.Task;

    public bool Answered => _answer.Task.IsCompleted;

    public bool Answer(T value) => _answer.TrySetResult(value);
}
