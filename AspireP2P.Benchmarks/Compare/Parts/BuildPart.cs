using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>What <c>dotnet run --project AspireP2P.AppHost</c> spends building, on a fresh copy, after an edit, and with nothing changed.</summary>
public sealed class BuildPart : ComparePart
{
    private readonly Figure _fresh;
    private readonly Figure _edit;
    private readonly Figure _none;

    public BuildPart(Side side) : base(side)
    {
        _fresh = side.Report.Add("build.fresh", "dotnet build AspireP2P.AppHost on a fresh copy of the sources (NuGet cache warm)", "s");
        _edit = side.Report.Add("build.edit", "…again after editing one node source file", "s");
        _none = side.Report.Add("build.none", "…again with nothing changed (what every dotnet run pays)", "s");
    }

    public override int Rounds => 1;

    public override async Task RoundAsync(int round)
    {
        var (fresh, edit, none) = await Side.Code.MeasureBuildAsync();
        _fresh.Runs.Add(fresh);
        _edit.Runs.Add(edit);
        _none.Runs.Add(none);
        Console.WriteLine($"  [{Side.Label}] build: fresh {fresh:0.0} s, after an edit {edit:0.0} s, nothing changed {none:0.0} s");
    }
}
