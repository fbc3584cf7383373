using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AspireP2P.Benchmarks.Compare.Parts;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// <c>compare</c>: every figure issue 10 asks for as a ratio of two things measured side by side in one run, on fresh
/// processes, alternating which goes first, as the median of several rounds; plus what the AppHost costs (start-up,
/// memory, build) and whether the traces it shows are whole. With <c>--baseline</c>, a second checkout is measured in
/// the same run, its rounds interleaved with the current one's, so before and after see the same machine.
/// </summary>
public static class CompareRunner
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(CompareOptions options)
    {
        var harnessRoot = RepoRoot();
        if (!Wrk.Installed && options.Parts.Overlaps(["kestrel", "tutorial", "signed", "apphost"]))
        {
            Console.Error.WriteLine("compare needs wrk: apt-get install -y wrk");
            return 1;
        }

        if (options.Parts.Contains("tutorial"))
        {
            try
            {
                _ = new Servers(await CodeUnderTest.ResolveAsync(harnessRoot, null, null), harnessRoot).Deno();
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine($"compare needs Deno for the tutorial's node: {ex.Message}");
                return 1;
            }
        }

        var current = new Side(options.Label ?? "current", await CodeUnderTest.ResolveAsync(harnessRoot, options.Repo, options.Commit), harnessRoot);
        Side? baseline = options.Baseline is null && options.BaselineRepo is null ? null
            : new Side(options.BaselineLabel, await CodeUnderTest.ResolveAsync(harnessRoot, options.BaselineRepo, options.Baseline), harnessRoot);
        Side[] sides = baseline is null ? [current] : [baseline, current];
        if (options.Build)
        {
            foreach (var side in sides)
            {
                await side.Code.BuildAsync();
            }
        }

        foreach (var side in sides)
        {
            Describe(side, options);
            Console.WriteLine($"{side.Label}: {side.Code.Description}");
        }

        Console.WriteLine($"Load average {ProcFs.LoadAverage()}");
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var part in CompareOptions.AllParts.Where(options.Parts.Contains))
            {
                var parts = sides.Where(s => s.Code.HasAppHost || part is "kestrel" or "tutorial" or "signed" or "launch").Select(s => Create(part, s, options)).ToArray();
                for (var round = 0; round < parts.Select(p => p.Rounds).DefaultIfEmpty().Max(); round++)
                {
                    foreach (var p in Measure.Rotate(parts, round).Where(p => round < p.Rounds))
                    {
                        try
                        {
                            await p.RoundAsync(round);
                        }
                        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
                        {
                            // One failed round is a note, not the end of a run that took many minutes to get here.
                            p.Side.Report.Notes.Add($"{part} round {round + 1} failed: {ex.Message.Split(Environment.NewLine)[0]}");
                            Console.WriteLine($"  [{p.Side.Label}] {part} round {round + 1} FAILED: {ex.Message.Split(Environment.NewLine)[0]}");
                        }
                    }
                }
            }
        }
        finally
        {
            if (Directory.Exists(Servers.DenoCache))
            {
                Directory.Delete(Servers.DenoCache, recursive: true);
            }

            foreach (var side in sides)
            {
                side.Report.Machine["loadavgAtEnd"] = ProcFs.LoadAverage();
                side.Report.Machine["wallSeconds"] = clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            }

            Console.WriteLine();
            var machine = current.Report.Machine;
            Console.WriteLine($"{machine["date"]}; {machine["cpu"]}, {machine["cores"]} cores, {machine["memory"]}; load client: {Wrk.Command}; " +
                $"load average {machine["loadavgAtStart"]} → {machine["loadavgAtEnd"]}; {machine["wallSeconds"]} s");
            foreach (var side in sides)
            {
                Console.WriteLine($"{side.Label}: {side.Code.Description}");
            }

            Console.WriteLine(baseline is null ? current.Report.Table() : SideBySide(baseline, current));
            if (options.Speed)
            {
                Console.WriteLine(SpeedSummary.Table(current.Report, options));
            }

            foreach (var side in sides)
            {
                foreach (var note in side.Report.Notes)
                {
                    Console.WriteLine($"- {side.Label}: {note}");
                }
            }

            var output = Path.IsPathRooted(options.Out) ? options.Out : Path.Combine(harnessRoot, options.Out);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(sides.Select(s => s.Report), JsonOptions));
            Console.WriteLine($"Results written to {output}");
        }

        return 0;
    }

    private static ComparePart Create(string part, Side side, CompareOptions options) => part switch
    {
        "kestrel" => new ZeroPeersPart(side, options),
        "tutorial" => new TutorialPart(side, options),
        "signed" => new SignedPart(side, options),
        "apphost" => new AppHostPart(side, options),
        "startup" => new StartupPart(side, options),
        "build" => new BuildPart(side),
        "launch" => new LaunchPart(side, options),
        "suspects" => new SuspectsPart(side, options),
        _ => throw new ArgumentException($"unknown part {part}"),
    };

    /// <summary>One row per figure, the baseline's median (spread) next to the current one's.</summary>
    private static string SideBySide(Side baseline, Side current)
    {
        var before = baseline.Report.Figures.ToDictionary(f => f.Id);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| Figure | Target | {baseline.Label} | {current.Label} | |");
        text.AppendLine("|---|---|---:|---:|---|");
        foreach (var figure in current.Report.Figures.Concat(baseline.Report.Figures.Where(f => !current.Report.Figures.Any(c => c.Id == f.Id))))
        {
            var after = current.Report.Figures.FirstOrDefault(f => f.Id == figure.Id);
            var met = after?.Met switch { true => "met", false => "MISSED", null => "" };
            var name = figure.Note is null ? figure.Name : $"{figure.Name} ({figure.Note})";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {figure.Target ?? ""} | {Cell(before.GetValueOrDefault(figure.Id))} | {Cell(after)} | {met} |");
        }

        return text.ToString();
    }

    private static string Cell(Figure? figure) => figure?.Median is { } m
        ? $"{Report.Format(m)}{(figure.Unit is "" or "×" ? figure.Unit : " " + figure.Unit)} ({Report.Format(figure.Min!.Value)}–{Report.Format(figure.Max!.Value)})"
        : "—";

    private static void Describe(Side side, CompareOptions options)
    {
        var machine = side.Report.Machine;
        machine["date"] = side.Report.StartedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        machine["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        machine["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription;
        machine["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        machine["cpu"] = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?"
            : "?";
        machine["memory"] = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':')[1].Trim() : "?";
        machine["codeUnderTest"] = side.Code.Description;
        machine["loadClient"] = Wrk.Command;
        machine["rounds"] = $"{options.Runs} (AppHost: {options.AppHostRuns})";
        machine["loadavgAtStart"] = ProcFs.LoadAverage();
    }

    /// <summary>The checkout this harness was built from (the directory with AspireP2P.sln above the binary).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspireP2P.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
