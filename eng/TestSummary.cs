// Prints each test tier's count and time from a run's TRX report, for ./build.sh --test.
// Usage: dotnet run eng/TestSummary.cs -- <results.trx> <test executable>
// The TRX report has no traits, so the tier (the xunit trait Category) of each test comes from the test executable's
// own discovery listing (xunit v3: `-list full/json`).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run eng/TestSummary.cs -- <results.trx> <test executable>");
    return 2;
}

var tiers = ReadTiers(args[1]);
XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
var report = XDocument.Load(args[0]);
var methods = report.Descendants(ns + "UnitTest").ToDictionary(
    test => test.Attribute("id")!.Value,
    test => test.Element(ns + "TestMethod")!);

var rows = report.Descendants(ns + "UnitTestResult")
    .Select(result =>
    {
        var method = methods[result.Attribute("testId")!.Value];
        var key = $"{method.Attribute("className")!.Value}.{method.Attribute("name")!.Value}";
        return new
        {
            Tier = tiers.GetValueOrDefault(key, "(no tier)"),
            Outcome = result.Attribute("outcome")?.Value ?? "NotExecuted",
            Duration = TimeSpan.Parse(result.Attribute("duration")?.Value ?? "0", CultureInfo.InvariantCulture),
            Start = DateTimeOffset.Parse(result.Attribute("startTime")!.Value, CultureInfo.InvariantCulture),
            End = DateTimeOffset.Parse(result.Attribute("endTime")!.Value, CultureInfo.InvariantCulture),
        };
    })
    .ToList();

string[] order = ["Unit", "Simulation", "Network", "Process", "Seed", "Browser", "Aspire", "Hosts", "Packages"];
Console.WriteLine();
Console.WriteLine("Tests per tier (time: sum of the tests' durations; span: first start to last end, tiers overlap when run in parallel)");
Console.WriteLine($"{"Tier",-12} {"Tests",6} {"Passed",7} {"Failed",7} {"Other",6} {"Time",10} {"Span",10}");
foreach (var tier in rows.GroupBy(r => r.Tier).OrderBy(g => Array.IndexOf(order, g.Key) is var i && i < 0 ? int.MaxValue : i))
{
    var passed = tier.Count(r => r.Outcome == "Passed");
    var failed = tier.Count(r => r.Outcome == "Failed");
    var time = TimeSpan.FromTicks(tier.Sum(r => r.Duration.Ticks));
    var span = tier.Max(r => r.End) - tier.Min(r => r.Start);
    Console.WriteLine($"{tier.Key,-12} {tier.Count(),6} {passed,7} {failed,7} {tier.Count() - passed - failed,6} {Seconds(time),10} {Seconds(span),10}");
}

var totalPassed = rows.Count(r => r.Outcome == "Passed");
var totalFailed = rows.Count(r => r.Outcome == "Failed");
Console.WriteLine($"Total: {totalPassed} passed, {totalFailed} failed");
return 0;

static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

// "Class.Method" → the test's Category trait, from the xunit v3 executable's discovery listing.
static Dictionary<string, string> ReadTiers(string executable)
{
    using var process = Process.Start(new ProcessStartInfo(executable, ["-list", "full/json", "-noColor"]) { RedirectStandardOutput = true })
        ?? throw new InvalidOperationException($"could not start {executable}");
    var listing = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    var tiers = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (var test in JsonDocument.Parse(listing).RootElement.EnumerateArray())
    {
        var key = $"{test.GetProperty("Class").GetString()}.{test.GetProperty("Method").GetString()}";
        if (test.GetProperty("Traits").TryGetProperty("Category", out var category) && category.GetArrayLength() > 0)
        {
            tiers[key] = category[0].GetString()!;
        }
    }

    return tiers;
}
