using System.Diagnostics;

namespace AspireP2P.Hosting;

/// <summary>
/// A child process the AppHost waits for at start (the Native AOT publish), run in plain sight: each line it prints is
/// shown as it comes, and every <c>tick</c> a line says how long it has run, so minutes of compiling never look like a hang.
/// </summary>
internal static class VisibleProcess
{
    /// <summary>How many of its last lines are kept for an error message.</summary>
    private const int Tail = 40;

    public static async Task<(int ExitCode, IReadOnlyList<string> Tail)> RunAsync(
        ProcessStartInfo start, string prefix, TextWriter console, TimeProvider time, TimeSpan tick, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var tail = new Queue<string>();
        var began = time.GetTimestamp();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Show(e.Data);
        process.ErrorDataReceived += (_, e) => Show(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {start.FileName}");
        }

        // The AppHost stopped by a signal while it waits takes its child with it instead of leaving it running on its own.
        EventHandler stop = (_, _) => StopQuietly(process);
        AppDomain.CurrentDomain.ProcessExit += stop;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var ticker = time.CreateTimer(
            _ => Write($"{prefix}still running, {Elapsed(time.GetElapsedTime(began))} so far"), null, tick, tick);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            StopQuietly(process);
            throw;
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= stop;
        }

        lock (tail)
        {
            return (process.ExitCode, [.. tail]);
        }

        void Show(string? line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > Tail)
                {
                    tail.Dequeue();
                }
            }

            Write(prefix + line.TrimEnd());
        }

        void Write(string line)
        {
            lock (console)
            {
                console.WriteLine(line);
            }
        }
    }

    private static void StopQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited.
        }
    }

    /// <summary><c>45 s</c>, <c>5 min 30 s</c>.</summary>
    public static string Elapsed(TimeSpan elapsed) =>
        elapsed < TimeSpan.FromMinutes(1) ? $"{elapsed.TotalSeconds:0} s" : $"{(int)elapsed.TotalMinutes} min {elapsed.Seconds} s";
}
