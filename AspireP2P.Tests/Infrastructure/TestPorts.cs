using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// Loopback ports that nothing else on this machine takes while the tests run, for a node that listens later, a restart
/// on the same port, or an address where nothing must answer. A port freed by the OS is not one: every outgoing connection
/// and every <c>--port 0</c> draws its port from the kernel's ephemeral range, so a freed port can be anyone's a moment
/// later (a bootstrap peer that "starts later" was once found linked to someone else). These come from below that range,
/// where the kernel never hands out a port by itself, and each is locked for this test run (a lock file per port, held
/// until the run ends), so neither this run nor a concurrent one gets it twice. A bound socket could not hold one: Linux
/// lets another socket bind a port whose holder does not listen, and a listening holder accepts connections.
/// </summary>
public static class TestPorts
{
    private const int First = 21000;
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "aspirep2p-ports");
    private static readonly Lock Gate = new();
    private static readonly List<FileStream> Held = [];
    private static readonly int Last = EphemeralRangeStart() - 1;
    private static int _next = First + Random.Shared.Next(Math.Max(1, Last - First));

    /// <summary>A port reserved for this test run: never listened on by anyone but the test that asked for it.</summary>
    public static int Reserve()
    {
        Directory.CreateDirectory(LockDirectory);
        lock (Gate)
        {
            for (var tried = 0; tried <= Last - First; tried++)
            {
                var port = _next;
                _next = _next >= Last ? First : _next + 1;
                if (TryLock(port) is { } held)
                {
                    if (IsFree(port))
                    {
                        Held.Add(held);
                        return port;
                    }

                    held.Dispose();
                }
            }
        }

        throw new InvalidOperationException($"no free port between {First} and {Last} that no other test run holds");
    }

    private static FileStream? TryLock(int port)
    {
        try
        {
            // FileShare.None is an exclusive flock on Linux: released by the kernel when the run ends, however it ends.
            return new FileStream(Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Nobody listens there now (someone who bound it by hand, outside any test run).</summary>
    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        var start = File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var low) ? low : 32768;
        return start > First + 1000
            ? start
            : throw new InvalidOperationException($"the kernel's ephemeral ports start at {start} ({range}): the tests need {First}-{First + 1000} outside that range");
    }
}
