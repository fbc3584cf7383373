using System.Collections.Concurrent;
using System.Text;

namespace AspireP2P.Node.Telemetry;

/// <summary>
/// Free text (why a link closed or was refused) made fit for a metric tag. Every distinct tag value is a series the
/// dashboard keeps for as long as it runs, and reasons carry numbers ("silent for 3.2 s"), addresses and ports: so
/// digits become <c>#</c>, the text is cut at <see cref="MaxLength"/> characters, and beyond <see cref="Capacity"/>
/// distinct values every new one is counted as <c>other</c>. The full reason is in the log line next to the count.
/// </summary>
internal sealed class BoundedTagValues
{
    public const int Capacity = 32;
    public const int MaxLength = 64;
    public const string Other = "other";

    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    public string? Of(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var value = Normalize(text);
        if (_seen.ContainsKey(value))
        {
            return value;
        }

        // Racing adds may pass the capacity by a few values; the count stays bounded.
        return _seen.Count < Capacity && _seen.TryAdd(value, 0) || _seen.ContainsKey(value) ? value : Other;
    }

    private static string Normalize(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxLength)
            {
                break;
            }

            if (char.IsAsciiDigit(c))
            {
                if (builder.Length == 0 || builder[^1] != '#')
                {
                    builder.Append('#');
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
