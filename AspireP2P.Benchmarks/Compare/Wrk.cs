using System.Globalization;
using System.Text.RegularExpressions;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>What one wrk run reported.</summary>
public readonly record struct WrkResult(long Requests, double Seconds, double Rate, long Errors);

/// <summary>
/// <c>wrk -t1 -c16</c> posting <c>{"record":"wrk-N"}</c> to /record, the load the issue's figures were taken with.
/// Every server in a comparison gets the same client, so the client's own cost cancels out of the ratios.
/// </summary>
public static partial class Wrk
{
    public const string Command = "wrk -t1 -c16";

    private const string Script = """
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        counter = 0
        request = function()
          counter = counter + 1
          return wrk.format(nil, nil, nil, '{"record":"wrk-' .. counter .. '"}')
        end
        """;

    public static bool Installed => File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk");

    /// <summary>Posts for <paramref name="seconds"/>; with <paramref name="apiKey"/>, every request carries it (the AppHost's nodes require it).</summary>
    public static async Task<WrkResult> PostAsync(Uri server, double seconds, string? apiKey = null)
    {
        var script = Path.Combine(Path.GetTempPath(), apiKey is null ? "aspirep2p-compare-post.lua" : "aspirep2p-compare-post-key.lua");
        await File.WriteAllTextAsync(script, apiKey is null ? Script : Script.Replace(
            "wrk.headers[\"Content-Type\"] = \"application/json\"",
            $"wrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"X-Api-Key\"] = \"{apiKey}\"", StringComparison.Ordinal));
        var output = await NodeProcess.RunAsync("wrk", "-t1", "-c16", $"-d{seconds.ToString(CultureInfo.InvariantCulture)}s", "--timeout", "10s", "-s", script,
            new Uri(server, "/record").ToString());
        var total = RequestsLine().Match(output);
        var rate = RateLine().Match(output);
        if (!total.Success || !rate.Success)
        {
            throw new InvalidOperationException($"could not read wrk's output:{Environment.NewLine}{output}");
        }

        var errors = 0L;
        if (NonSuccessLine().Match(output) is { Success: true } non2xx)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        if (SocketErrorsLine().Match(output) is { Success: true } socket)
        {
            errors += Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture));
        }

        return new WrkResult(
            long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(total.Groups[2].Value, CultureInfo.InvariantCulture),
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            errors);
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)s")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
