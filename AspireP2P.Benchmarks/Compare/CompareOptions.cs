using System.Globalization;

namespace AspireP2P.Benchmarks.Compare;

public sealed class CompareOptions
{
    public static readonly string[] AllParts = ["kestrel", "tutorial", "signed", "apphost", "startup", "build", "launch", "suspects"];

    /// <summary>The parts <c>speed</c> runs: every ratio of issue 22.</summary>
    public static readonly string[] SpeedParts = ["kestrel", "tutorial", "signed", "apphost", "startup"];

    /// <summary>The unsigned, in-memory node of issue 10 (the perf branch's head) that signed feeds are measured against.</summary>
    public const string UnsignedCommit = "097d7a5";

    public int Runs { get; set; } = 5;
    public int AppHostRuns { get; set; } = 3;
    public double Duration { get; set; } = 5;
    public double Warmup { get; set; } = 3;
    public string? Repo { get; set; }
    public string? Commit { get; set; }
    public bool Build { get; set; } = true;
    public IReadOnlySet<string> Parts { get; set; } = AllParts.ToHashSet();
    public int AppHostNodes { get; set; } = 4;
    public int[] StartupNodes { get; set; } = [10, 50];
    public string Out { get; set; } = Path.Combine("benchmark-results", "compare.json");
    public string? Label { get; set; }
    public string? Baseline { get; set; }
    public string? BaselineRepo { get; set; }
    public string BaselineLabel { get; set; } = "baseline";
    public string UnsignedRevision { get; set; } = UnsignedCommit;

    /// <summary>The node builds the <c>launch</c> part compares (<see cref="NodeBuilds.All"/>).</summary>
    public string[] Launches { get; set; } = NodeBuilds.All;

    /// <summary>
    /// <c>speed</c>: issue 22's figures as users meet them. Every server is a fresh process measured with no warm-up,
    /// the AppHost arm is the default launch only (no extra NativeAot arm), the 0-peer part compares ours with bare
    /// Kestrel alone, and the 50-node start-up gets as many rounds as the rest.
    /// </summary>
    public bool Speed { get; set; }

    /// <summary>The same as <c>compare</c>'s options, with <c>speed</c>'s defaults: 3 rounds of everything, a 3-node chain.</summary>
    public static CompareOptions ParseSpeed(string[] args)
    {
        var options = Parse(["compare", "--runs", "3", "--apphost-runs", "3", "--warmup", "0", "--apphost-nodes", "3",
            "--only", string.Join(',', SpeedParts), .. args[1..]]);
        options.Speed = true;
        options.Out = args.Contains("--out") ? options.Out : Path.Combine("benchmark-results", "speed.json");
        return options;
    }

    public static CompareOptions Parse(string[] args)
    {
        var options = new CompareOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double NextDouble() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--runs": options.Runs = NextInt(); break;
                case "--apphost-runs": options.AppHostRuns = NextInt(); break;
                case "--duration": options.Duration = NextDouble(); break;
                case "--warmup": options.Warmup = NextDouble(); break;
                case "--repo": options.Repo = Next(); break;
                case "--commit": options.Commit = Next(); break;
                case "--no-build": options.Build = false; break;
                case "--only": options.Parts = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(); break;
                case "--apphost-nodes": options.AppHostNodes = NextInt(); break;
                case "--startup-nodes": options.StartupNodes = [.. Next().Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))]; break;
                case "--out": options.Out = Next(); break;
                case "--label": options.Label = Next(); break;
                case "--baseline": options.Baseline = Next(); break;
                case "--baseline-repo": options.BaselineRepo = Next(); break;
                case "--baseline-label": options.BaselineLabel = Next(); break;
                case "--unsigned": options.UnsignedRevision = Next(); break;
                case "--ports": Ports.Range = Ports.Parse(Next()); break;
                case "--launches": options.Launches = Next().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (options.Launches.Except(NodeBuilds.All).FirstOrDefault() is { } unknownBuild)
        {
            throw new ArgumentException($"--launches: unknown node build '{unknownBuild}' (builds: {string.Join(',', NodeBuilds.All)})");
        }

        if (options.Parts.Except(AllParts).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"--only: unknown part '{unknown}' (parts: {string.Join(',', AllParts)})");
        }

        if (options.Runs < 1 || options.AppHostRuns < 1 || options.Duration <= 0 || options.Warmup < 0 || options.AppHostNodes < 2
            || options.StartupNodes.Any(n => n < 1) || (options.Repo is not null && options.Commit is not null) || (options.Baseline is not null && options.BaselineRepo is not null))
        {
            throw new ArgumentException("--runs, --apphost-runs >= 1; --duration > 0; --warmup >= 0; --apphost-nodes >= 2; --repo or --commit, not both; --baseline or --baseline-repo, not both");
        }

        return options;
    }
}
