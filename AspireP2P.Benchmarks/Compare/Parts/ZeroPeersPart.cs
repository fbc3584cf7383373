using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>Ours at 0 peers against a bare Kestrel endpoint, and against itself with logging (and telemetry) off.</summary>
public sealed class ZeroPeersPart : ComparePart
{
    private readonly CompareOptions _options;
    private (string Id, string Name, Func<Task<ServerProcess>> Start)[] _variants;
    private bool _nativeAotChecked;
    private readonly Dictionary<string, Figure> _rates = [];
    private readonly Dictionary<string, Figure> _cpu = [];
    private readonly Figure _lines;
    private readonly Figure _rss;

    public ZeroPeersPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        var servers = side.Servers;
        _variants =
        [
            ("bare", "Bare Kestrel minimal-API POST endpoint (slim builder, no logging, no telemetry)", servers.BareKestrelAsync),
            ("default", "Ours, 0 peers, default settings", () => servers.OursAsync("ours")),
            ("logoff", "Ours, 0 peers, logging off", () => servers.OursAsync("ours, logging off", Servers.LoggingOff)),
            ("off", "Ours, 0 peers, logging and OpenTelemetry off", () => servers.OursAsync("ours, logging and telemetry off", Servers.LoggingAndTelemetryOff)),
        ];
        if (options.Speed)
        {
            _variants = _variants[..2]; // speed: ours against bare Kestrel only (and as the AppHost runs it, below)
        }

        if (side.Code.SupportsNativeAotLaunch)
        {
            _variants = [.. _variants, ("aot", "Ours as the AppHost's default launch runs it (Native AOT), 0 peers, default settings", () => servers.OursNativeAotAsync("ours, Native AOT"))];
        }

        var report = side.Report;
        foreach (var (id, name, _) in _variants)
        {
            _rates[id] = report.Add($"zero.{id}", name, "records/s", higherIsBetter: true);
            _rates[id].Note = options.Warmup > 0 ? $"{Wrk.Command}, {options.Duration:0} s after {options.Warmup:0} s of warm-up, fresh process"
                : $"{Wrk.Command}, {options.Duration:0} s from the start of a fresh process, no warm-up";
            _cpu[id] = report.Add($"zero.{id}.cpu", "…its CPU per request", "µs");
        }

        _lines = report.Add("zero.default.lines", "Ours, default settings: lines printed per POST /record", "lines");
        _rss = report.Add("zero.default.rss", "Ours, default settings: RSS after the run", "MB");
    }

    public override int Rounds => _options.Runs;

    public override async Task RoundAsync(int round)
    {
        if (!_nativeAotChecked)
        {
            _nativeAotChecked = true;
            if (_variants.Any(v => v.Id == "aot") && (await Side.Code.NativeAotAsync()).Error is { } error)
            {
                Console.WriteLine($"  [{Side.Label}] 0 peers: {error}");
                _variants = [.. _variants.Where(v => v.Id != "aot")];
            }
        }

        var measured = new Dictionary<string, double>();
        foreach (var (id, name, start) in Measure.Rotate(_variants, round))
        {
            await using var server = await start();
            if (_options.Warmup > 0)
            {
                await Wrk.PostAsync(server.BaseUri, _options.Warmup);
            }

            var cpuBefore = server.CpuTime();
            var linesBefore = server.Lines;
            var result = await Wrk.PostAsync(server.BaseUri, _options.Duration);
            await Task.Delay(200); // the last lines of output arrive through a pipe
            Measure.Check(Side.Report, name, result);
            measured[id] = result.Rate;
            _rates[id].Runs.Add(result.Rate);
            _cpu[id].Runs.Add((server.CpuTime() - cpuBefore).TotalMicroseconds / result.Requests);
            if (id == "default")
            {
                _lines.Runs.Add((server.Lines - linesBefore) / (double)result.Requests);
                _rss.Runs.Add(server.RssMb());
            }

            Console.WriteLine($"  [{Side.Label}] 0 peers round {round + 1}: {name}: {result.Rate:0} records/s, CPU {_cpu[id].Runs[^1]:0.0} µs/request");
        }

        var ratios = Side.Ratios;
        ratios.Kestrel.Runs.Add(measured["default"] / measured["bare"]);
        ratios.KestrelCpu.Runs.Add(_cpu["bare"].Runs[^1] / _cpu["default"].Runs[^1]);
        if (measured.TryGetValue("aot", out var nativeAot))
        {
            ratios.KestrelNativeAot.Runs.Add(nativeAot / measured["bare"]);
            ratios.KestrelNativeAotCpu.Runs.Add(_cpu["bare"].Runs[^1] / _cpu["aot"].Runs[^1]);
        }
        if (measured.TryGetValue("logoff", out var loggingOff))
        {
            ratios.Logging.Runs.Add(measured["default"] / loggingOff);
            ratios.LoggingCpu.Runs.Add(_cpu["logoff"].Runs[^1] / _cpu["default"].Runs[^1]);
        }
    }
}
