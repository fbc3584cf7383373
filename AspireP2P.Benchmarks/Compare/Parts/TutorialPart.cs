using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>Ours against the tutorial's own node on Deno, 3 peers each.</summary>
public sealed class TutorialPart : ComparePart
{
    private readonly CompareOptions _options;
    private (string Id, string Name, Func<string, Task<ServerProcess>> Start)[] _kinds;
    private bool _nativeAotChecked;
    private readonly Dictionary<string, Figure> _rates = [];
    private readonly Dictionary<string, Figure> _cpu = [];

    public TutorialPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        _kinds =
        [
            ("tutorial", "Tutorial's node (Deno 2.9.6), 3 peers", n => side.Servers.TutorialAsync(n)),
            ("ours", "Ours, 3 peers, default settings", n => side.Servers.OursAsync(n)),
            ("ours-aot", "Ours as the AppHost's default launch runs it (Native AOT), 3 peers, default settings", n => side.Servers.OursNativeAotAsync(n)),
        ];
        if (!side.Code.SupportsNativeAotLaunch)
        {
            _kinds = _kinds[..2];
        }
        foreach (var (id, name, _) in _kinds)
        {
            _rates[id] = side.Report.Add($"peers3.{id}", name, "records/s", higherIsBetter: true);
            _rates[id].Note = $"fresh nodes A, B, C, D; A dials the others (POST /peer); {Wrk.Command} at A for {options.Duration:0} s; every peer then holds every record";
            _cpu[id] = side.Report.Add($"peers3.{id}.cpu", "…CPU per record, all four nodes", "µs");
        }
    }

    public override int Rounds => _options.Runs;

    public override async Task RoundAsync(int round)
    {
        if (!_nativeAotChecked)
        {
            // The publish the AppHost's default launch makes, made current before any timed start (once per run).
            _nativeAotChecked = true;
            if (_kinds.Length > 2 && (await Side.Code.NativeAotAsync()).Error is { } error)
            {
                Console.WriteLine($"  [{Side.Label}] 3 peers: {error}");
                _kinds = _kinds[..2];
            }
        }

        var measured = new Dictionary<string, double>();
        foreach (var (id, name, start) in Measure.Rotate(_kinds, round))
        {
            var star = await Star.MeasureAsync(id, start, _options.Duration);
            Measure.Check(Side.Report, name, star.Load);
            _cpu[id].Runs.Add(star.CpuPerRecord);
            measured[id] = star.Rate;
            _rates[id].Runs.Add(star.Rate);
            Console.WriteLine($"  [{Side.Label}] 3 peers round {round + 1}: {name}: {star.Rate:0} records/s, {star.CpuPerRecord:0} µs of CPU per record, {star.Held} records on every node");
        }

        Side.Ratios.Tutorial.Runs.Add(measured["ours"] / measured["tutorial"]);
        Side.Ratios.TutorialCpu.Runs.Add(_cpu["tutorial"].Runs[^1] / _cpu["ours"].Runs[^1]);
        if (measured.TryGetValue("ours-aot", out var nativeAot))
        {
            Side.Ratios.TutorialNativeAot.Runs.Add(nativeAot / measured["tutorial"]);
            Side.Ratios.TutorialNativeAotCpu.Runs.Add(_cpu["tutorial"].Runs[^1] / _cpu["ours-aot"].Runs[^1]);
        }
    }
}
