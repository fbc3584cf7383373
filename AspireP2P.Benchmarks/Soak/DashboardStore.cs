using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>What the dashboard has received and holds, read from its own store.</summary>
public sealed record StoreCounts(
    long LogsReceived, long MetricPointsReceived, long SpansHeld, long TracesHeld, long LogsHeld, long MetricPointsHeld,
    long MetricSeries, long SpansStarted, double DatabaseMb);

/// <summary>
/// The Aspire 13.6 dashboard keeps its telemetry in a SQLite database per run (persistence mode <c>Run</c>, the
/// AppHost's default: <c>~/.aspire/dashboard/runs/&lt;run&gt;/dashboard.db</c>). Its AUTOINCREMENT counters are the
/// exact number of log entries and metric points it ever accepted, evicted or not; spans have no such counter, so
/// spans received are counted by start time (a span evicted within the minute it started would be missed: only when
/// the traces of a whole minute exceed the dashboard's trace limit). Read-only, in WAL mode: the dashboard's writes
/// never wait on these reads. The database is found through the dashboard process's open files.
/// </summary>
public sealed class DashboardStore(string path)
{
    public string Path { get; } = path;

    /// <summary>The run database the dashboard process has open, or null (persistence mode <c>None</c>: nothing on disk).</summary>
    public static DashboardStore? Find(int dashboardPid)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{dashboardPid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.EndsWith("/dashboard.db", StringComparison.Ordinal))
                {
                    return new DashboardStore(target);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The dashboard exited or is not ours to read.
        }

        return null;
    }

    /// <summary>Totals now, and the spans that started in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>).</summary>
    public StoreCounts Read(DateTime fromUtc, DateTime toUtc)
    {
        using var connection = Open();
        var sequences = new Dictionary<string, long>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, seq FROM sqlite_sequence";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                sequences[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var size = new[] { Path, Path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length) / 1024.0 / 1024.0;
        return new StoreCounts(
            sequences.GetValueOrDefault("telemetry_logs"),
            sequences.GetValueOrDefault("telemetry_metric_points"),
            Scalar(connection, "SELECT COUNT(*) FROM telemetry_spans"),
            Scalar(connection, "SELECT COUNT(*) FROM telemetry_traces"),
            Scalar(connection, "SELECT COUNT(*) FROM telemetry_logs"),
            Scalar(connection, "SELECT COUNT(*) FROM telemetry_metric_points"),
            Scalar(connection, "SELECT COUNT(*) FROM telemetry_metric_dimensions"),
            Scalar(connection, $"SELECT COUNT(*) FROM telemetry_spans WHERE start_time_ticks >= {fromUtc.Ticks.ToString(CultureInfo.InvariantCulture)} AND start_time_ticks < {toUtc.Ticks.ToString(CultureInfo.InvariantCulture)}"),
            size);
    }

    /// <summary>Where the volume comes from: spans by name, log entries by level and category, metric series and points by instrument.</summary>
    public IReadOnlyList<(string Table, string Key, long Count)> Breakdown()
    {
        using var connection = Open();
        var rows = new List<(string, string, long)>();
        void Add(string table, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((table, reader.GetString(0), reader.GetInt64(1)));
            }
        }

        Add("spans by name", "SELECT name, COUNT(*) c FROM telemetry_spans GROUP BY name ORDER BY c DESC LIMIT 15");
        Add("span attributes per span, by span name", """
            SELECT s.name, COUNT(*) / COUNT(DISTINCT s.trace_id || s.span_id) FROM telemetry_spans s
            JOIN telemetry_span_attributes a ON a.trace_id = s.trace_id AND a.span_id = s.span_id GROUP BY s.name ORDER BY 2 DESC LIMIT 10
            """);
        Add("logs by level", "SELECT severity_name, COUNT(*) c FROM telemetry_logs GROUP BY severity_name ORDER BY c DESC");
        Add("logs by category", "SELECT sc.scope_name, COUNT(*) c FROM telemetry_logs l JOIN telemetry_scopes sc ON sc.scope_id = l.scope_id GROUP BY sc.scope_name ORDER BY c DESC LIMIT 15");
        Add("metric series by instrument", """
            SELECT i.instrument_name, COUNT(*) c FROM telemetry_metric_dimensions d JOIN telemetry_metric_instruments i ON i.instrument_id = d.instrument_id
            GROUP BY i.instrument_name ORDER BY c DESC LIMIT 15
            """);
        Add("metric points by instrument", """
            SELECT i.instrument_name, COUNT(*) c FROM telemetry_metric_points p JOIN telemetry_metric_dimensions d ON d.dimension_id = p.dimension_id
            JOIN telemetry_metric_instruments i ON i.instrument_id = d.instrument_id GROUP BY i.instrument_name ORDER BY c DESC LIMIT 15
            """);
        Add("rows by table", """
            SELECT 'spans', COUNT(*) FROM telemetry_spans UNION ALL SELECT 'span attributes', COUNT(*) FROM telemetry_span_attributes
            UNION ALL SELECT 'traces', COUNT(*) FROM telemetry_traces UNION ALL SELECT 'logs', COUNT(*) FROM telemetry_logs
            UNION ALL SELECT 'log attributes', COUNT(*) FROM telemetry_log_attributes UNION ALL SELECT 'metric points', COUNT(*) FROM telemetry_metric_points
            UNION ALL SELECT 'metric exemplars', COUNT(*) FROM telemetry_metric_exemplars UNION ALL SELECT 'console log lines', COUNT(*) FROM console_logs
            """);
        return rows;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
