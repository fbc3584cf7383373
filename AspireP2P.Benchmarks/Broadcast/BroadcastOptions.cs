using System.Globalization;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>Options of <c>broadcast</c>; the defaults are issue 21's workload.</summary>
public sealed class BroadcastOptions
{
    public int Nodes { get; set; } = 25;
    public int TargetPeers { get; set; } = 3;
    public double Rate { get; set; } = 20;
    public double Seconds { get; set; } = 20;
    public int DelayMs { get; set; }
    public bool Nemesis { get; set; } = true;
    public double PartitionAt { get; set; } = 5;
    public double PartitionSeconds { get; set; } = 10;
    public double IdleSeconds { get; set; } = 10;
    public int Seed { get; set; } = 21;
    public int Port { get; set; } = 43999;
    public string? NodeDll { get; set; }
    public bool Build { get; set; } = true;
    public string Out { get; set; } = Path.Combine("benchmark-results", "broadcast.json");

    public static BroadcastOptions Parse(string[] args)
    {
        var options = new BroadcastOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double NextDouble() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--nodes": options.Nodes = NextInt(); break;
                case "--target-peers": options.TargetPeers = NextInt(); break;
                case "--rate": options.Rate = NextDouble(); break;
                case "--seconds": options.Seconds = NextDouble(); break;
                case "--delay-ms": options.DelayMs = NextInt(); break;
                case "--nemesis": options.Nemesis = bool.Parse(Next()); break;
                case "--partition-at": options.PartitionAt = NextDouble(); break;
                case "--partition-seconds": options.PartitionSeconds = NextDouble(); break;
                case "--idle-seconds": options.IdleSeconds = NextDouble(); break;
                case "--seed": options.Seed = NextInt(); break;
                case "--port": options.Port = NextInt(); break;
                case "--node": options.NodeDll = Next(); break;
                case "--no-build": options.Build = false; break;
                case "--out": options.Out = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (options.Nodes is < 3 or > 200 || options.TargetPeers < 0 || options.Rate is <= 0 or > 1000 || options.Seconds is <= 0 or > 600
            || options.DelayMs is < 0 or > 5000 || options.Port is < 1 or > 65535 || options.IdleSeconds < 1
            || options.PartitionAt < 0 || options.PartitionSeconds <= 0 || options.PartitionAt + options.PartitionSeconds > options.Seconds)
        {
            throw new ArgumentException("broadcast: --nodes 3-200, --rate 0-1000, --seconds 0-600, --delay-ms 0-5000, --idle-seconds >= 1, " +
                "and the partition (--partition-at + --partition-seconds) inside the load (--seconds)");
        }

        return options;
    }
}
