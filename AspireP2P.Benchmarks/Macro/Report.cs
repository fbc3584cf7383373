using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireP2P.Benchmarks.Macro;

/// <summary>One figure: a value per run; reported as the median of the runs with their min–max spread.</summary>
public sealed class Figure(string id, string name, string unit, string? target, bool higherIsBetter, double? targetValue)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string Unit { get; } = unit;
    public string? Target { get; } = target;
    public List<double> Runs { get; } = [];
    public string? Note { get; set; }

    [JsonIgnore]
    public bool HigherIsBetter { get; } = higherIsBetter;

    [JsonIgnore]
    public double? TargetValue { get; } = targetValue;

    public double? Median => Runs.Count == 0 ? null : Stats.Median(Runs);
    public double? Min => Runs.Count == 0 ? null : Runs.Min();
    public double? Max => Runs.Count == 0 ? null : Runs.Max();

    public bool? Met => Median is not { } m || TargetValue is not { } t ? null : HigherIsBetter ? m >= t : m <= t;
}

public static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest-rank percentile of a sorted sample.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

public sealed class Report
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string? Label { get; set; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public Dictionary<string, string> Machine { get; } = [];
    public List<Figure> Figures { get; } = [];
    public List<string> Notes { get; } = [];

    public Figure Add(string id, string name, string unit, string? target = null, bool higherIsBetter = false, double? targetValue = null)
    {
        var figure = new Figure(id, name, unit, target, higherIsBetter, targetValue);
        Figures.Add(figure);
        return figure;
    }

    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine("| Figure | Median | Spread (min–max) | Runs | Target | |");
        text.AppendLine("|---|---:|---:|---:|---|---|");
        foreach (var f in Figures)
        {
            var median = f.Median is { } m ? $"{Format(m)} {f.Unit}" : "—";
            var spread = f.Min is { } lo && f.Max is { } hi ? $"{Format(lo)}–{Format(hi)}" : "—";
            var met = f.Met switch { true => "met", false => "MISSED", null => "" };
            var name = f.Note is null ? f.Name : $"{f.Name} ({f.Note})";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {median} | {spread} | {f.Runs.Count} | {f.Target ?? ""} | {met} |");
        }

        return text.ToString();
    }

    public static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.00", CultureInfo.InvariantCulture),
        _ => value.ToString("0.000", CultureInfo.InvariantCulture),
    };

    public async Task WriteAsync(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(this, JsonOptions));
    }
}
