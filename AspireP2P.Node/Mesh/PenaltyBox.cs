namespace AspireP2P.Node.Mesh;

/// <summary>
/// Who was closed for misbehaving (frames that break the protocol, again and again), and until when their next link is
/// refused: our nodes by their proven id, strangers by their IP address. Each offence doubles the stay, from
/// <see cref="FirstStay"/> up to <see cref="LongestStay"/>. Bounded: the longest-serving are released first when full.
/// Thread-safe (the mesh loop fills it; the acceptor reads it for every upgrade).
/// </summary>
public sealed class PenaltyBox(TimeProvider time, int capacity = 1024)
{
    public static readonly TimeSpan FirstStay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan LongestStay = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Until, int Offences)> _held = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="who"/> out; returns until when.</summary>
    public DateTimeOffset Hold(string who)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var offences = _held.TryGetValue(who, out var held) ? held.Offences + 1 : 1;
            var stay = TimeSpan.FromTicks(Math.Min(LongestStay.Ticks, FirstStay.Ticks << Math.Min(offences - 1, 10)));
            if (_held.Count >= capacity && !_held.ContainsKey(who))
            {
                _held.Remove(_held.MinBy(p => p.Value.Until).Key);
            }

            _held[who] = (now + stay, offences);
            return now + stay;
        }
    }

    /// <summary>Until when <paramref name="who"/> is kept out, or null when it is not.</summary>
    public DateTimeOffset? HeldUntil(string who)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _held.TryGetValue(who, out var held) && held.Until > now ? held.Until : null;
        }
    }

    /// <summary>What a link's remote is known by: its node id, else the IP address of its connection.</summary>
    public static string KeyOf(Identity.NodeId peer, string remote) => peer.IsNone ? HostOf(remote) : peer.ToString();

    /// <summary>The host part of "host:port" (or "[v6]:port").</summary>
    public static string HostOf(string remote)
    {
        var colon = remote.LastIndexOf(':');
        return colon > 0 && remote.IndexOf(']', StringComparison.Ordinal) < colon ? remote[..colon] : remote;
    }
}
