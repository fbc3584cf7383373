namespace AspireP2P.Benchmarks.Macro;

public sealed class BenchOptions
{
    public required string What { get; init; }
    public int? Runs { get; init; }
    public int Records { get; init; } = 100_000;
    public int Samples { get; init; } = 1000;
    public double DurationSeconds { get; init; } = 5;
    public string Client { get; init; } = "http";
    public string? NodePath { get; init; }
    public bool Build { get; init; } = true;
    public bool Aot { get; init; }
    public string Out { get; init; } = Path.Combine("benchmark-results", "latest.json");
    public string? Label { get; init; }
    public string[] AppHostArgs { get; init; } = [];

    public int RunsOr(int fallback) => Runs ?? fallback;

    public static BenchOptions Parse(string[] args)
    {
        var what = args[0];
        if (what is not ("all" or "ingest" or "latency" or "records" or "apphost" or "resilience"))
        {
            throw new ArgumentException($"unknown benchmark '{what}'");
        }

        int? runs = null;
        int records = 100_000, samples = 1000;
        double duration = 5;
        string client = "http", output = Path.Combine("benchmark-results", "latest.json");
        string? node = null, label = null;
        string[] appHostArgs = [];
        var build = true;
        var aot = false;
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--runs": runs = int.Parse(Next()); break;
                case "--records": records = int.Parse(Next()); break;
                case "--samples": samples = int.Parse(Next()); break;
                case "--duration": duration = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--client": client = Next(); break;
                case "--node": node = Next(); break;
                case "--no-build": build = false; break;
                case "--aot": aot = true; break;
                case "--out": output = Next(); break;
                case "--label": label = Next(); break;
                case "--apphost-args": appHostArgs = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (client is not ("http" or "wrk"))
        {
            throw new ArgumentException("--client is http or wrk");
        }

        if (runs is < 1 || records < 1000 || samples < 10 || duration <= 0)
        {
            throw new ArgumentException("--runs >= 1, --records >= 1000, --samples >= 10, --duration > 0");
        }

        return new BenchOptions
        {
            What = what, Runs = runs, Records = records, Samples = samples, DurationSeconds = duration, Client = client,
            NodePath = node, Build = build, Aot = aot, Out = output, Label = label, AppHostArgs = appHostArgs,
        };
    }
}
