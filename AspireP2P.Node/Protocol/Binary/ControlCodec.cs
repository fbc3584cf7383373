using System.Text;
using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Membership;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The binary forms of the small messages: heartbeats, announcements (IHAVE, GRAFT: seq ranges per origin, as
/// (gap from the previous range, length − 1) varints), PRUNE, and membership. A peer address is its host (UTF-8, at most
/// <see cref="PeerAddress.MaxLength"/>), its port and a secure flag.
/// </summary>
public static class ControlCodec
{
    public const int MaxOrigins = 1024;
    public const int MaxRangesPerOrigin = 256;
    public const int MaxMembers = 64;

    /// <summary>What a host name or IP literal is made of (no URL syntax, nothing to unescape): checked before any parsing.</summary>
    private static readonly System.Buffers.SearchValues<byte> HostBytes =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]"u8);

    private static readonly System.Buffers.SearchValues<byte> Ipv6Bytes = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF:."u8);

    public static void Encode(FrameWriter writer, HeartbeatFrame heartbeat)
    {
        writer.Fixed64((ulong)heartbeat.Root);
        writer.Fixed64((ulong)(heartbeat.Root >> 64));
        writer.VarInt((ulong)Math.Max(0, heartbeat.Feeds));
        writer.VarInt((ulong)Math.Max(0, heartbeat.Entries));
        writer.VarInt((ulong)Math.Max(0, heartbeat.Lag));
        writer.VarInt((ulong)Math.Max(0, heartbeat.Received));
        var peers = heartbeat.Peers.Take(WireProtocol.MaxExchangedPeers).ToList();
        writer.VarInt((ulong)peers.Count);
        foreach (var peer in peers)
        {
            Address(writer, peer);
        }
    }

    public static bool TryDecodeHeartbeat(ref FrameReader reader, out HeartbeatFrame? heartbeat)
    {
        heartbeat = null;
        if (!reader.Fixed64(out var low) || !reader.Fixed64(out var high) || !reader.VarInt(0, long.MaxValue, out var feeds)
            || !reader.VarInt(0, long.MaxValue, out var entries) || !reader.VarInt(0, long.MaxValue, out var lag)
            || !reader.VarInt(0, long.MaxValue, out var received) || !reader.Count(WireProtocol.MaxExchangedPeers, 3, out var count))
        {
            return false;
        }

        var peers = new List<PeerAddress>(count);
        for (var i = 0; i < count; i++)
        {
            if (!TryAddress(ref reader, out var peer))
            {
                return false;
            }

            peers.Add(peer);
        }

        heartbeat = new HeartbeatFrame(new UInt128(high, low), feeds, entries, lag, received, peers);
        return true;
    }

    public static void Encode(FrameWriter writer, IReadOnlyList<OriginSeqs> records)
    {
        writer.VarInt((ulong)records.Count);
        foreach (var (origin, ranges) in records)
        {
            writer.Id(origin);
            writer.VarInt((ulong)ranges.Count);
            var end = 0L;
            foreach (var (from, to) in ranges)
            {
                writer.VarInt((ulong)(from - end - 1));
                writer.VarInt((ulong)(to - from));
                end = to;
            }
        }
    }

    public static bool TryDecodeSeqs(ref FrameReader reader, out List<OriginSeqs>? records)
    {
        records = null;
        if (!reader.Count(MaxOrigins, NodeId.ByteLength + 1, out var origins))
        {
            return false;
        }

        var list = new List<OriginSeqs>(origins);
        for (var i = 0; i < origins; i++)
        {
            if (!reader.Id(out var origin) || !reader.Count(MaxRangesPerOrigin, 2, out var count) || count == 0)
            {
                return false;
            }

            var ranges = new List<(long, long)>(count);
            var end = 0L;
            for (var r = 0; r < count; r++)
            {
                if (!reader.VarInt(0, ReconcileCodec.MaxSeq - end - 1, out var gap) || !reader.VarInt(0, ReconcileCodec.MaxSeq - end - gap - 1, out var length))
                {
                    return false;
                }

                var from = end + gap + 1;
                end = from + length;
                ranges.Add((from, end));
            }

            list.Add(new OriginSeqs(origin, ranges));
        }

        records = list;
        return true;
    }

    public static void Encode(FrameWriter writer, PruneMessage prune)
    {
        writer.VarInt((ulong)prune.Origins.Count);
        foreach (var origin in prune.Origins)
        {
            writer.Id(origin);
        }
    }

    public static bool TryDecodePrune(ref FrameReader reader, out PruneMessage? prune)
    {
        prune = null;
        if (!reader.Count(MaxOrigins, NodeId.ByteLength, out var count))
        {
            return false;
        }

        var origins = new List<NodeId>(count);
        for (var i = 0; i < count; i++)
        {
            if (!reader.Id(out var origin))
            {
                return false;
            }

            origins.Add(origin);
        }

        prune = new PruneMessage(origins);
        return true;
    }

    public static void Encode(FrameWriter writer, MembershipMessage message)
    {
        switch (message)
        {
            case ForwardJoinMessage forward:
                Member(writer, forward.Joiner);
                writer.VarInt((ulong)Math.Max(0, forward.TimeToLive));
                break;
            case ShuffleMessage shuffle:
                writer.VarInt(shuffle.Id);
                Member(writer, shuffle.Origin);
                writer.VarInt((ulong)Math.Max(0, shuffle.TimeToLive));
                Members(writer, shuffle.Sample);
                break;
            case ShuffleReplyMessage reply:
                writer.VarInt(reply.Id);
                Members(writer, reply.Sample);
                break;
        }
    }

    public static bool TryDecodeMembership(ref FrameReader reader, BinaryMessageType type, out MembershipMessage? message)
    {
        message = null;
        switch (type)
        {
            case BinaryMessageType.Join:
                message = new JoinMessage();
                return true;
            case BinaryMessageType.Disconnect:
                message = new DisconnectMessage();
                return true;
            case BinaryMessageType.ForwardJoin:
                if (!TryMember(ref reader, out var joiner) || !reader.VarInt(0, 64, out var ttl))
                {
                    return false;
                }

                message = new ForwardJoinMessage(joiner, (int)ttl);
                return true;
            case BinaryMessageType.Shuffle:
                if (!reader.VarInt(out var id) || !TryMember(ref reader, out var origin) || !reader.VarInt(0, 64, out var walk)
                    || !TryMembers(ref reader, out var sample))
                {
                    return false;
                }

                message = new ShuffleMessage(id, origin, (int)walk, sample!);
                return true;
            case BinaryMessageType.ShuffleReply:
                if (!reader.VarInt(out var replyId) || !TryMembers(ref reader, out var replied))
                {
                    return false;
                }

                message = new ShuffleReplyMessage(replyId, replied!);
                return true;
            default:
                return false;
        }
    }

    private static void Member(FrameWriter writer, Member member)
    {
        writer.Id(member.Id);
        Address(writer, member.Address);
    }

    private static bool TryMember(ref FrameReader reader, out Member member)
    {
        member = default;
        if (!reader.Id(out var id) || id.IsNone || !TryAddress(ref reader, out var address))
        {
            return false;
        }

        member = new Member(id, address);
        return true;
    }

    private static void Members(FrameWriter writer, IReadOnlyList<Member> members)
    {
        writer.VarInt((ulong)members.Count);
        foreach (var member in members)
        {
            Member(writer, member);
        }
    }

    private static bool TryMembers(ref FrameReader reader, out List<Member>? members)
    {
        members = null;
        if (!reader.Count(MaxMembers, NodeId.ByteLength + 3, out var count))
        {
            return false;
        }

        var list = new List<Member>(count);
        for (var i = 0; i < count; i++)
        {
            if (!TryMember(ref reader, out var member))
            {
                return false;
            }

            list.Add(member);
        }

        members = list;
        return true;
    }

    private static void Address(FrameWriter writer, PeerAddress address)
    {
        writer.Blob(Encoding.UTF8.GetBytes(address.Host));
        writer.VarInt((ulong)address.Port);
        writer.Byte(address.Secure ? (byte)1 : (byte)0);
    }

    private static bool TryAddress(ref FrameReader reader, out PeerAddress address)
    {
        address = default;
        if (!reader.Blob(PeerAddress.MaxLength, out var host) || !IsHost(host)
            || !reader.VarInt(1, 65535, out var port) || !reader.Byte(out var secure) || secure > 1)
        {
            return false;
        }

        // Built as PeerAddress.TryParse would from "host:port", without a Uri: a frame's addresses cost their bytes.
        address = new PeerAddress(Encoding.ASCII.GetString(host).ToLowerInvariant(), (int)port, secure == 1);
        return true;
    }

    /// <summary>A host name (letters, digits, '-', '.') or an IPv6 literal in brackets: nothing else is ever dialed.</summary>
    private static bool IsHost(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty || host.ContainsAnyExcept(HostBytes))
        {
            return false;
        }

        return host[0] == '['
            ? host.Length > 2 && host[^1] == ']' && !host[1..^1].ContainsAnyExcept(Ipv6Bytes)
            : !host.ContainsAny(":[]"u8);
    }
}
