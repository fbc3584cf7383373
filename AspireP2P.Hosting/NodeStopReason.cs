using System.Text.RegularExpressions;

namespace AspireP2P.Hosting;

/// <summary>
/// Why a node's process ended, as its console said it: the message of the last exception it printed
/// (<c>Unhandled exception. System.IO.IOException: Failed to bind to address http://localhost:3031: address already in
/// use.</c> gives <c>Failed to bind to address http://localhost:3031: address already in use.</c>), so the dashboard names
/// the cause instead of only "exited". Inner exceptions (<c>---&gt;</c>) and stack frames are skipped.
/// </summary>
internal static partial class NodeStopReason
{
    private const int MaxLength = 240;

    /// <summary>The reason in these console lines (oldest first), or null when they name none.</summary>
    public static string? From(IEnumerable<string> lines)
    {
        string? reason = null;
        foreach (var line in lines)
        {
            if (ExceptionLine().Match(line) is { Success: true } match)
            {
                reason = match.Groups["message"].Value.Trim();
            }
        }

        return reason is { Length: > MaxLength } ? reason[..(MaxLength - 1)] + "…" : reason;
    }

    /// <summary>
    /// <c>[Unhandled exception. ]Namespace.TypeException: message</c>, not an inner one (<c>---&gt;</c>), after the time
    /// Aspire's console lines start with.
    /// </summary>
    [GeneratedRegex(@"^(?:\d{4}-\d\d-\d\dT[\d:.]+Z\s)?\s*(?:Unhandled exception\.\s*)?(?:[A-Za-z_]\w*\.)*\w*Exception(?: \(\d+\))?: (?<message>\S.*)$")]
    private static partial Regex ExceptionLine();
}
