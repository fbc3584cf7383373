using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AspireP2P.AppHost;

/// <summary>A flag (or its <c>Network:*</c> setting) the AppHost cannot run with; the message is one line for the user.</summary>
internal sealed class NetworkArgumentException(string message) : Exception(message);

/// <summary>
/// The AppHost's flags, checked before anything starts: each bad value is refused with one line that names the flag and
/// what it allows (AppHost.cs prints it and exits with 2), never with the configuration binder's exception and a stack.
/// </summary>
internal static class NetworkArguments
{
    public const int MaxNodes = 1000;
    public const int MaxSpares = 1000;
    public const int MaxTargetPeers = 64;
    public static readonly TimeSpan MinLiveInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxLiveInterval = TimeSpan.FromHours(1);

    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--nodes"] = Key(nameof(NetworkOptions.Nodes)),
        ["--base-port"] = Key(nameof(NetworkOptions.BasePort)),
        ["--launch"] = Key(nameof(NetworkOptions.Launch)),
        ["--data-dir"] = Key(nameof(NetworkOptions.DataDir)),
        ["--target-peers"] = Key(nameof(NetworkOptions.TargetPeers)),
        ["--spares"] = Key(nameof(NetworkOptions.Spares)),
        ["--live-interval"] = Key(nameof(NetworkOptions.LiveInterval)),
        ["--proxy"] = Key(nameof(NetworkOptions.Proxy)),
    };

    /// <summary>Reads <c>--nodes 5 --base-port 3030</c> as <c>Network:Nodes</c> and <c>Network:BasePort</c>; added last, so the command line wins.</summary>
    public static IConfigurationBuilder AddNetworkCommandLine(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(args, SwitchMappings);

    /// <summary>The network the flags and settings describe; <see cref="NetworkArgumentException"/> names the first bad one.</summary>
    public static NetworkOptions GetNetworkOptions(this IConfiguration configuration)
    {
        var section = configuration.GetSection(NetworkOptions.SectionName);
        var nodes = WholeNumber(section, nameof(NetworkOptions.Nodes), "--nodes", 1, MaxNodes);
        var spares = WholeNumber(section, nameof(NetworkOptions.Spares), "--spares", 0, MaxSpares);
        WholeNumber(section, nameof(NetworkOptions.BasePort), "--base-port", 1, 65535);
        WholeNumber(section, nameof(NetworkOptions.TargetPeers), "--target-peers", 0, MaxTargetPeers);
        OneOf<NodeLaunch>(section, nameof(NetworkOptions.Launch), "--launch");
        TrueOrFalse(section, nameof(NetworkOptions.Proxy), "--proxy");
        var liveInterval = Interval(section, nameof(NetworkOptions.LiveInterval), "--live-interval");

        // The binder reads "2" as two days and refuses "0.5": the live interval is read above, the rest bound as usual.
        var bindable = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true)
                .Where(setting => !string.Equals(setting.Key, nameof(NetworkOptions.LiveInterval), StringComparison.OrdinalIgnoreCase)))
            .Build();
        var options = bindable.Get<NetworkOptions>() ?? new NetworkOptions();
        options.LiveInterval = liveInterval ?? options.LiveInterval;
        nodes ??= options.Nodes;
        spares ??= options.Spares;

        var ports = nodes.Value + spares.Value;
        if (options.BasePort + ports - 1 > 65535)
        {
            var what = spares > 0 ? $"{Count(nodes.Value, "node")} and {Count(spares.Value, "spare")}" : Count(nodes.Value, "node");
            throw new NetworkArgumentException(
                $"--base-port {options.BasePort} leaves room for {Count(65535 - options.BasePort + 1, "port")} up to 65535, but {what} need {ports}: use a base port from 1 to {65535 - ports + 1}.");
        }

        if (options.DataDir is { } dataDir)
        {
            string full;
            try
            {
                full = Path.GetFullPath(dataDir);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new NetworkArgumentException($"--data-dir must be a directory path, not '{dataDir}': {ex.Message}");
            }

            if (string.IsNullOrWhiteSpace(dataDir) || File.Exists(full))
            {
                throw new NetworkArgumentException($"--data-dir must be a directory (each node keeps its records in a folder under it), not '{dataDir}'{(File.Exists(full) ? ", which is a file" : "")}.");
            }
        }

        return options;
    }

    private static string Key(string property) => $"{NetworkOptions.SectionName}:{property}";

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static int? WholeNumber(IConfigurationSection section, string key, string flag, int min, int max)
    {
        if (section[key] is not { } raw)
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new NetworkArgumentException($"{flag} must be a whole number from {min} to {max}, not '{raw}'.");
    }

    private static void OneOf<TEnum>(IConfigurationSection section, string key, string flag) where TEnum : struct, Enum
    {
        if (section[key] is { } raw && !Enum.GetNames<TEnum>().Contains(raw.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            var names = Enum.GetNames<TEnum>();
            throw new NetworkArgumentException($"{flag} must be {string.Join(", ", names[..^1])} or {names[^1]}, not '{raw}'.");
        }
    }

    private static void TrueOrFalse(IConfigurationSection section, string key, string flag)
    {
        if (section[key] is { } raw && !bool.TryParse(raw, out _))
        {
            throw new NetworkArgumentException($"{flag} must be true or false, not '{raw}'.");
        }
    }

    /// <summary>Seconds (<c>2</c>, <c>0.5</c>) or a time span (<c>00:00:02</c>); 0 turns the live view off.</summary>
    private static TimeSpan? Interval(IConfigurationSection section, string key, string flag)
    {
        if (section[key] is not { } raw)
        {
            return null;
        }

        TimeSpan? interval = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
            ? seconds is >= 0 and <= 3600 ? TimeSpan.FromSeconds(seconds) : null
            : raw.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var span) ? span : null;
        return interval is { } value && (value == TimeSpan.Zero || (value >= MinLiveInterval && value <= MaxLiveInterval))
            ? value
            : throw new NetworkArgumentException(
                $"{flag} must be a number of seconds from {MinLiveInterval.TotalSeconds:0.#} to {MaxLiveInterval.TotalSeconds:0} (or hh:mm:ss), or 0 to turn the live view off, not '{raw}'.");
    }
}
