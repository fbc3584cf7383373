namespace AspireP2P.Benchmarks.Storage;

/// <summary>This process's memory as Linux counts it (/proc/self/status), in MB.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident set: anonymous (heap, native caches) + file-backed (mapped files, e.g. LMDB's map) + shared memory.</summary>
    public static double RssMb() => Read("VmRSS:");

    public static double AnonMb() => Read("RssAnon:");

    public static double FileMb() => Read("RssFile:");

    public static double PeakMb() => Read("VmHWM:");

    private static double Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }
}
