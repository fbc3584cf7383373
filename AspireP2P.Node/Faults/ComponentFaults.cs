namespace AspireP2P.Node.Faults;

/// <summary>Places in a node where an exception can be injected, to prove what happens when that part fails.</summary>
public enum FaultPoint
{
    /// <summary>The mesh loop, as it handles an event.</summary>
    MeshEvent,

    /// <summary>The mesh's tick loop.</summary>
    MeshTick,

    /// <summary>The publisher's signer, as it signs a batch.</summary>
    Signer,

    /// <summary>A link's reader, as it handles a frame.</summary>
    LinkReader,

    /// <summary>A link's writer, as it sends.</summary>
    LinkWriter,

    /// <summary>The intake, as it takes a record from a link.</summary>
    Intake,
}

/// <summary>
/// Exceptions injected into named parts of one node (<see cref="FaultPoint"/>), each a given number of times: for the
/// fault-injection tests, the simulator's "faults" scenario, and, behind <c>--dev-faults</c>, <c>POST /api/dev/throw</c>.
/// A node without it (null) pays nothing. Thread-safe.
/// </summary>
public sealed class ComponentFaults
{
    /// <summary>The exception types that can be injected by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<string, Exception>> Kinds = new Dictionary<string, Func<string, Exception>>(StringComparer.Ordinal)
    {
        [nameof(IOException)] = message => new IOException(message),
        [nameof(UnauthorizedAccessException)] = message => new UnauthorizedAccessException(message),
        [nameof(ObjectDisposedException)] = message => new ObjectDisposedException("injected", message),
        [nameof(InvalidOperationException)] = message => new InvalidOperationException(message),
        [nameof(KeyNotFoundException)] = message => new KeyNotFoundException(message),
        [nameof(ArgumentException)] = message => new ArgumentException(message),
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<FaultPoint, (int Left, Func<Exception> Make)> _armed = [];
    private volatile bool _any;

    /// <summary>Makes <paramref name="point"/> throw <paramref name="exception"/>'s result the next <paramref name="times"/> times it is reached.</summary>
    public void Inject(FaultPoint point, int times, Func<Exception> exception)
    {
        lock (_gate)
        {
            _armed[point] = (times, exception);
            _any = true;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _armed.Clear();
            _any = false;
        }
    }

    /// <summary>Throws the exception injected at <paramref name="point"/>, if one is left.</summary>
    public void ThrowIfInjected(FaultPoint point)
    {
        if (!_any)
        {
            return;
        }

        Func<Exception> make;
        lock (_gate)
        {
            if (!_armed.TryGetValue(point, out var armed) || armed.Left <= 0)
            {
                return;
            }

            _armed[point] = (armed.Left - 1, armed.Make);
            make = armed.Make;
        }

        throw make();
    }
}
