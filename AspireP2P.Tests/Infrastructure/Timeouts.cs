namespace AspireP2P.Tests.Infrastructure;

/// <summary>Every await in the suite is bounded; CI machines are slower, so the bounds are generous there.</summary>
public static class Timeouts
{
    private static readonly double Scale = Environment.GetEnvironmentVariable("CI") is "true" or "1" ? 2 : 1;

    public static TimeSpan Start { get; } = TimeSpan.FromSeconds(30 * Scale);
    public static TimeSpan Stop { get; } = TimeSpan.FromSeconds(15 * Scale);
    public static TimeSpan Request { get; } = TimeSpan.FromSeconds(15 * Scale);
    public static TimeSpan Connect { get; } = TimeSpan.FromSeconds(20 * Scale);
    public static TimeSpan Converge { get; } = TimeSpan.FromSeconds(20 * Scale);

    /// <summary>Starting a whole AppHost: DCP, the dashboard and every node process, until all are healthy.</summary>
    public static TimeSpan AppHostStart { get; } = TimeSpan.FromSeconds(90 * Scale);

    /// <summary>The Aspire CLI check (eng/aspire-cli-check.sh): installing the CLI when missing, start, a trace, stop.</summary>
    public static TimeSpan AspireCli { get; } = TimeSpan.FromSeconds(300 * Scale);

    /// <summary>Spans reaching the dashboard: nodes export in batches about every second.</summary>
    public static TimeSpan Telemetry { get; } = TimeSpan.FromSeconds(30 * Scale);
}
