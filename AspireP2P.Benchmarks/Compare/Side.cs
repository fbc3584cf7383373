using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>One checkout being measured (the current one, or the baseline it is compared with) and its results.</summary>
public sealed class Side
{
    public Side(string label, CodeUnderTest code, string harnessRoot)
    {
        Label = label;
        Code = code;
        Servers = new Servers(code, harnessRoot);
        Report = new Report { Label = label };
        Ratios = new Ratios(Report);
    }

    public string Label { get; }
    public CodeUnderTest Code { get; }
    public Servers Servers { get; }
    public Report Report { get; }
    public Ratios Ratios { get; }
}
