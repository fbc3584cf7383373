using System.Globalization;
using AspireP2P.Hosting;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>A flag (or its <c>Network:*</c> setting) the AppHost cannot run with; the message is one line for the user.</summary>
public sealed class P2PNetworkArgumentException(string message) : Exception(message);

/// <summary>
/// An opt-in command-line front end for a P2P network: <c>--nodes</c>, <c>--base-port</c>, <c>--launch</c>,
/// <c>--data-dir</c>, <c>--target-peers</c>, <c>--spares</c>, <c>--live-interval</c> and <c>--proxy</c>, read as the
/// <c>Network:*</c> settings, and <c>--traces-per-second</c> (<c>Telemetry:TracesPerSecond</c>) with the dashboard's
/// limits (<c>Dashboard:TelemetryLimits:*</c>). Every value is checked before anything starts: a bad one is refused with one line that
/// names the flag and what it allows (<see cref="P2PNetworkArgumentException"/>; an AppHost prints it and exits with 2),
/// never with the configuration binder's exception and a stack.
/// </summary>
public static class P2PNetworkCommandLine
{
    /// <summary>The base port when neither <c>--base-port</c> nor <c>Network:BasePort</c> gives one: the tutorial's 3030.</summary>
    public const int DefaultBasePort = 3030;

    private const int MaxNodes = P2PNetworkOptions.MaxNodes;
    private const int MaxSpares = P2PNetworkOptions.MaxSpares;
    private const int MaxTargetPeers = P2PNetworkOptions.MaxTargetPeers;
    private static readonly TimeSpan MinLiveInterval = P2PNetworkOptions.MinLiveInterval;
    private static readonly TimeSpan MaxLiveInterval = P2PNetworkOptions.MaxLiveInterval;

    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--nodes"] = Key(nameof(P2PNetworkOptions.Nodes)),
        ["--base-port"] = Key(nameof(P2PNetworkOptions.BasePort)),
        ["--launch"] = Key(nameof(P2PNetworkOptions.Launch)),
        ["--data-dir"] = Key(nameof(P2PNetworkOptions.DataDir)),
        ["--target-peers"] = Key(nameof(P2PNetworkOptions.TargetPeers)),
        ["--spares"] = Key(nameof(P2PNetworkOptions.Spares)),
        ["--live-interval"] = Key(nameof(P2PNetworkOptions.LiveInterval)),
        ["--proxy"] = Key(nameof(P2PNetworkOptions.Proxy)),
        ["--traces-per-second"] = NetworkTelemetry.TracesPerSecondKey,
    };

    /// <summary>
    /// Reads <c>--nodes 5 --base-port 3030</c> as <c>Network:Nodes</c> and <c>Network:BasePort</c>; added last, so the
    /// command line wins over the environment and appsettings.
    /// </summary>
    /// <param name="configuration">The AppHost's configuration (<c>builder.Configuration</c>).</param>
    /// <param name="args">The AppHost's command line.</param>
    public static IConfigurationBuilder AddP2PNetworkCommandLine(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(args, SwitchMappings);

    /// <summary>
    /// The network the flags and <c>Network:*</c> settings describe (the base port is <see cref="DefaultBasePort"/> unless
    /// one is given); <see cref="P2PNetworkArgumentException"/> names the first bad value and what it allows.
    /// </summary>
    /// <param name="configuration">The AppHost's configuration, with <see cref="AddP2PNetworkCommandLine"/> added.</param>
    public static P2PNetworkOptions GetP2PNetworkOptions(this IConfiguration configuration)
    {
        var section = configuration.GetSection(P2PNetworkOptions.SectionName);
        var nodes = WholeNumber(section, nameof(P2PNetworkOptions.Nodes), "--nodes", 1, MaxNodes);
        var spares = WholeNumber(section, nameof(P2PNetworkOptions.Spares), "--spares", 0, MaxSpares);
        WholeNumber(section, nameof(P2PNetworkOptions.BasePort), "--base-port", 1, 65535);
        WholeNumber(section, nameof(P2PNetworkOptions.TargetPeers), "--target-peers", 0, MaxTargetPeers);
        OneOf<P2PNodeLaunch>(section, nameof(P2PNetworkOptions.Launch), "--launch");
        TrueOrFalse(section, nameof(P2PNetworkOptions.Proxy), "--proxy");
        var liveInterval = Interval(section, nameof(P2PNetworkOptions.LiveInterval), "--live-interval");
        NetworkTelemetry.Validate(configuration);

        // The binder reads "2" as two days and refuses "0.5": the live interval is read above, the rest bound as usual
        // (the trace budget, under Telemetry or Network, is read with its own refusal by NetworkTelemetry).
        var bindable = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true)
                .Where(setting => !string.Equals(setting.Key, nameof(P2PNetworkOptions.LiveInterval), StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(setting.Key, nameof(P2PNetworkOptions.TracesPerSecond), StringComparison.OrdinalIgnoreCase)))
            .Build();
        var options = bindable.Get<P2PNetworkOptions>() ?? new P2PNetworkOptions();
        options.BasePort ??= DefaultBasePort;
        options.LiveInterval = liveInterval ?? options.LiveInterval;
        options.TracesPerSecond = NetworkTelemetry.TracesPerSecond(configuration) ?? options.TracesPerSecond;
        nodes ??= options.Nodes;
        spares ??= options.Spares;

        var ports = nodes.Value + spares.Value;
        if (options.BasePort.Value + ports - 1 > 65535)
        {
            var what = spares > 0 ? $"{Count(nodes.Value, "node")} and {Count(spares.Value, "spare")}" : Count(nodes.Value, "node");
            throw new P2PNetworkArgumentException(
                $"--base-port {options.BasePort} leaves room for {Count(65535 - options.BasePort.Value + 1, "port")} up to 65535, but {what} need {ports}: use a base port from 1 to {65535 - ports + 1}.");
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
                throw new P2PNetworkArgumentException($"--data-dir must be a directory path, not '{dataDir}': {ex.Message}");
            }

            if (string.IsNullOrWhiteSpace(dataDir) || File.Exists(full))
            {
                throw new P2PNetworkArgumentException($"--data-dir must be a directory (each node keeps its records in a folder under it), not '{dataDir}'{(File.Exists(full) ? ", which is a file" : "")}.");
            }
        }

        return options;
    }

    private static string Key(string property) => $"{P2PNetworkOptions.SectionName}:{property}";

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static int? WholeNumber(IConfigurationSection section, string key, string flag, int min, int max)
    {
        if (section[key] is not { } raw)
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new P2PNetworkArgumentException($"{flag} must be a whole number from {min} to {max}, not '{raw}'.");
    }

    private static void OneOf<TEnum>(IConfigurationSection section, string key, string flag) where TEnum : struct, Enum
    {
        if (section[key] is { } raw && !Enum.GetNames<TEnum>().Contains(raw.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            var names = Enum.GetNames<TEnum>();
            throw new P2PNetworkArgumentException($"{flag} must be {string.Join(", ", names[..^1])} or {names[^1]}, not '{raw}'.");
        }
    }

    private static void TrueOrFalse(IConfigurationSection section, string key, string flag)
    {
        if (section[key] is { } raw && !bool.TryParse(raw, out _))
        {
            throw new P2PNetworkArgumentException($"{flag} must be true or false, not '{raw}'.");
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
            : throw new P2PNetworkArgumentException(
                $"{flag} must be a number of seconds from {MinLiveInterval.TotalSeconds:0.#} to {MaxLiveInterval.TotalSeconds:0} (or hh:mm:ss), or 0 to turn the live view off, not '{raw}'.");
    }
}
