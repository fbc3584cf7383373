using System.Globalization;

namespace AspireP2P.Benchmarks.Soak;

/// <summary><c>-- soak</c>: the AppHost left running under a steady load, the dashboard sampled once a minute.</summary>
public sealed class SoakOptions
{
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(60);
    public int Nodes { get; set; } = 5;

    /// <summary>Records posted per second, spread round-robin over the nodes.</summary>
    public double Rate { get; set; } = 50;

    /// <summary>Every this often one node gets a burst of <see cref="BurstRecords"/> records (0 turns bursts off).</summary>
    public TimeSpan BurstEvery { get; set; } = TimeSpan.FromMinutes(7);
    public int BurstRecords { get; set; } = 500;

    public TimeSpan SampleEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Samples go on this long after the load stops: what the dashboard costs holding the data, without ingesting more.</summary>
    public TimeSpan Cooldown { get; set; }

    /// <summary>The nodes' first port and the dashboard's three; free ports when not given.</summary>
    public int? BasePort { get; set; }
    public int? DashboardPort { get; set; }

    /// <summary>The checkout whose AppHost is run (another one measures its code with this harness); this one when null.</summary>
    public string? Repo { get; set; }

    public bool Build { get; set; } = true;
    public string Chromium { get; set; } = Environment.GetEnvironmentVariable("P2P_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
    public string Out { get; set; } = Path.Combine("benchmark-results", "soak.json");
    public string? Label { get; set; }
    public List<string> AppHostArgs { get; } = [];

    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double NextDouble() => double.Parse(Next(), CultureInfo.InvariantCulture);
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--minutes": options.Duration = TimeSpan.FromMinutes(NextDouble()); break;
                case "--nodes": options.Nodes = NextInt(); break;
                case "--rate": options.Rate = NextDouble(); break;
                case "--burst-every": options.BurstEvery = TimeSpan.FromMinutes(NextDouble()); break;
                case "--burst": options.BurstRecords = NextInt(); break;
                case "--sample-every": options.SampleEvery = TimeSpan.FromSeconds(NextDouble()); break;
                case "--cooldown": options.Cooldown = TimeSpan.FromMinutes(NextDouble()); break;
                case "--base-port": options.BasePort = NextInt(); break;
                case "--dashboard-port": options.DashboardPort = NextInt(); break;
                case "--no-build": options.Build = false; break;
                case "--repo": options.Repo = Path.GetFullPath(Next()); break;
                case "--chromium": options.Chromium = Next(); break;
                case "--out": options.Out = Next(); break;
                case "--label": options.Label = Next(); break;
                case "--": options.AppHostArgs.AddRange(args[(i + 1)..]); i = args.Length; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (options.Duration <= TimeSpan.Zero || options.Duration > TimeSpan.FromHours(24) || options.Nodes < 2 || options.Rate <= 0 || options.Rate > 5000
            || options.BurstEvery < TimeSpan.Zero || options.Cooldown < TimeSpan.Zero || options.Cooldown > TimeSpan.FromHours(1) || options.BurstRecords < 0 || options.SampleEvery < TimeSpan.FromSeconds(10)
            || options.BasePort is < 1 or > 65000 || options.DashboardPort is < 1 or > 65533)
        {
            throw new ArgumentException("--minutes in (0, 1440]; --nodes >= 2; --rate in (0, 5000]; --burst-every >= 0; --cooldown in [0, 60]; --burst >= 0; --sample-every >= 10 s; ports in 1-65535");
        }

        return options;
    }
}
