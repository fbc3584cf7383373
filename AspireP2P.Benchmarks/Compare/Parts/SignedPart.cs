using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>
/// What signed feeds and the disk log cost: our node against the unsigned, in-memory node of issue 10 (a commit of this
/// repository, <c>--unsigned</c>, 097d7a5 by default: the <c>perf</c> branch's head that
/// docs/benchmarks/compare-2026-11-27-signed-vs-unsigned.txt measured), each as the 3-peer star of the tutorial
/// comparison, fresh processes, rounds alternating which goes first. The old commit is exported with git archive into
/// a directory under /tmp and built there; nothing of it enters the checkout.
/// </summary>
public sealed class SignedPart : ComparePart
{
    private readonly CompareOptions _options;
    private readonly Figure _signed;
    private readonly Figure _signedCpu;
    private readonly Figure _unsigned;
    private readonly Figure _unsignedCpu;
    private Servers? _unsignedServers;

    public SignedPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        var note = $"fresh nodes A, B, C, D; A dials the others; {Wrk.Command} at A for {options.Duration:0} s; every peer then holds every record";
        _unsigned = side.Report.Add("signed.unsigned", $"Unsigned, in-memory node (commit {options.UnsignedRevision}), 3 peers", "records/s", higherIsBetter: true);
        _unsigned.Note = note;
        _unsignedCpu = side.Report.Add("signed.unsigned.cpu", "…CPU per record, all four nodes", "µs");
        _signed = side.Report.Add("signed.signed", "Ours (signed feeds, records on disk), 3 peers, in the same rounds", "records/s", higherIsBetter: true);
        _signedCpu = side.Report.Add("signed.signed.cpu", "…CPU per record, all four nodes", "µs");
    }

    public override int Rounds => _options.Runs;

    public override async Task RoundAsync(int round)
    {
        if (_unsignedServers is null)
        {
            var code = await CodeUnderTest.ResolveAsync(Side.Code.Root, null, _options.UnsignedRevision);
            if (!File.Exists(code.ReleaseNode) || _options.Build)
            {
                await code.BuildNodeAsync();
            }

            _unsignedServers = new Servers(code, Side.Code.Root);
        }

        (string Id, Func<string, Task<ServerProcess>> Start)[] kinds =
        [
            ("unsigned", n => _unsignedServers.OursAsync(n)),
            ("signed", n => Side.Servers.OursAsync(n)),
        ];
        var rates = new Dictionary<string, double>();
        foreach (var (id, start) in Measure.Rotate(kinds, round))
        {
            var star = await Star.MeasureAsync(id, start, _options.Duration);
            Measure.Check(Side.Report, id, star.Load);
            rates[id] = star.Rate;
            (id == "signed" ? _signed : _unsigned).Runs.Add(star.Rate);
            (id == "signed" ? _signedCpu : _unsignedCpu).Runs.Add(star.CpuPerRecord);
            Console.WriteLine($"  [{Side.Label}] signed vs unsigned round {round + 1}: {id}: {star.Rate:0} records/s, {star.CpuPerRecord:0} µs of CPU per record");
        }

        Side.Ratios.SignedOverUnsigned.Runs.Add(rates["signed"] / rates["unsigned"]);
        Side.Ratios.SignedOverUnsignedCpu.Runs.Add(_unsignedCpu.Runs[^1] / _signedCpu.Runs[^1]);
    }
}
