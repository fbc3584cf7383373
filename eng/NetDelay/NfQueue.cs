using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AspireP2P.NetDelay;

/// <summary>
/// One netfilter queue (iptables <c>-j NFQUEUE --queue-num N</c>) over a raw netlink socket: packets are announced by
/// id only (copy mode "meta", no payload) and stay in the kernel until a verdict lets them go.
/// </summary>
internal sealed partial class NfQueue : IDisposable
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int NetlinkNetfilter = 12;
    private const int SolSocket = 1;
    private const int SoRcvTimeo = 20;
    private const int SoRcvBufForce = 33;
    private const int Eintr = 4;
    private const int Eagain = 11;
    private const int Enobufs = 105;

    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmsgError = 2;
    private const ushort QueueSubsystem = 3 << 8;
    private const ushort MsgPacket = QueueSubsystem | 0;
    private const ushort MsgVerdict = QueueSubsystem | 1;
    private const ushort MsgConfig = QueueSubsystem | 2;
    private const ushort CfgCmd = 1;
    private const ushort CfgParams = 2;
    private const ushort CfgQueueMaxLen = 3;
    private const ushort PacketHdr = 1;
    private const ushort VerdictHdr = 2;
    private const byte CmdBind = 1;
    private const byte CopyMeta = 1;
    private const uint NfAccept = 1;

    private readonly int _fd;
    private readonly ushort _queue;
    private uint _sequence;

    private NfQueue(int fd, ushort queue)
    {
        _fd = fd;
        _queue = queue;
    }

    public static NfQueue Bind(ushort queue)
    {
        var fd = Socket(AfNetlink, SockRaw, NetlinkNetfilter);
        if (fd < 0)
        {
            throw new InvalidOperationException($"netlink socket: errno {Marshal.GetLastPInvokeError()} (needs root and CONFIG_NETFILTER_NETLINK_QUEUE)");
        }

        var nfqueue = new NfQueue(fd, queue);
        try
        {
            nfqueue.SetOption(SoRcvBufForce, BitConverter.GetBytes(8 << 20));
            nfqueue.SetOption(SoRcvTimeo, [.. BitConverter.GetBytes(0L), .. BitConverter.GetBytes(200_000L)]);
            Span<byte> address = stackalloc byte[12];
            address.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(address, AfNetlink);
            if (BindSocket(fd, address, address.Length) < 0)
            {
                throw new InvalidOperationException($"netlink bind: errno {Marshal.GetLastPInvokeError()}");
            }

            nfqueue.Configure(CfgCmd, [CmdBind, 0, 0, 0]);
            nfqueue.Configure(CfgParams, [0, 0, 0, 0, CopyMeta]);
            nfqueue.Configure(CfgQueueMaxLen, BigEndian(65_536));
            return nfqueue;
        }
        catch
        {
            nfqueue.Dispose();
            throw;
        }
    }

    /// <summary>Reads packet announcements until cancelled, handing each packet's id to <paramref name="hold"/>.</summary>
    public void Receive(Action<uint> hold, CancellationToken cancellation)
    {
        var buffer = new byte[1 << 16];
        while (!cancellation.IsCancellationRequested)
        {
            var length = ReceiveOnce(buffer);
            for (var offset = 0; offset + 16 <= length;)
            {
                var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset));
                var type = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 4));
                if (messageLength < 16 || offset + messageLength > length)
                {
                    break;
                }

                if (type == MsgPacket && TryReadPacketId(buffer.AsSpan(offset + 20, messageLength - 20), out var id))
                {
                    hold(id);
                }

                offset += Align(messageLength);
            }
        }
    }

    /// <summary>Lets a held packet go on its way.</summary>
    public void Accept(uint packetId)
    {
        Span<byte> verdict = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(verdict, NfAccept);
        BinaryPrimitives.WriteUInt32BigEndian(verdict[4..], packetId);
        Send(MsgVerdict, NlmFRequest, Attribute(VerdictHdr, verdict));
    }

    public void Dispose() => _ = Close(_fd);

    private static bool TryReadPacketId(ReadOnlySpan<byte> attributes, out uint id)
    {
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x7fff;
            if (length < 4 || length > attributes.Length)
            {
                break;
            }

            if (type == PacketHdr && length >= 8)
            {
                id = BinaryPrimitives.ReadUInt32BigEndian(attributes[4..]);
                return true;
            }

            attributes = attributes[Math.Min(Align(length), attributes.Length)..];
        }

        id = 0;
        return false;
    }

    private static int Align(int length) => (length + 3) & ~3;

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Attribute(ushort type, ReadOnlySpan<byte> payload)
    {
        var attribute = new byte[Align(4 + payload.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        payload.CopyTo(attribute.AsSpan(4));
        return attribute;
    }

    /// <summary>Sends one configuration message and waits for the kernel's acknowledgement.</summary>
    private void Configure(ushort attributeType, byte[] payload)
    {
        Send(MsgConfig, NlmFRequest | NlmFAck, Attribute(attributeType, payload));
        var buffer = new byte[4096];
        var length = ReceiveOnce(buffer);
        if (length >= 20 && BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(4)) == NlmsgError)
        {
            var error = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(16));
            if (error != 0)
            {
                throw new InvalidOperationException($"nfqueue {_queue} configuration {attributeType}: errno {-error}");
            }
        }
    }

    private void Send(ushort type, ushort flags, byte[] attributes)
    {
        var message = new byte[20 + attributes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), ++_sequence);
        message[16] = 0; // AF_UNSPEC
        message[17] = 0; // NFNETLINK_V0
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(18), _queue);
        attributes.CopyTo(message.AsSpan(20));
        if (SendSocket(_fd, message, message.Length, 0) < 0)
        {
            throw new InvalidOperationException($"netlink send: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>One datagram, or 0 when the receive timed out or the kernel dropped announcements (ENOBUFS).</summary>
    private int ReceiveOnce(byte[] buffer)
    {
        var received = ReceiveSocket(_fd, buffer, buffer.Length, 0);
        if (received >= 0)
        {
            return (int)received;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is Eintr or Eagain or Enobufs ? 0 : throw new InvalidOperationException($"netlink recv: errno {errno}");
    }

    private void SetOption(int option, byte[] value)
    {
        if (SetSocketOption(_fd, SolSocket, option, value, value.Length) < 0)
        {
            throw new InvalidOperationException($"setsockopt {option}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int BindSocket(int fd, ReadOnlySpan<byte> address, int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendSocket(int fd, byte[] buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint ReceiveSocket(int fd, byte[] buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSocketOption(int fd, int level, int option, byte[] value, int length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
