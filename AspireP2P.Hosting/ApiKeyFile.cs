using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>
/// The network's API key where a shell can read it in a millisecond: <c>~/.aspirep2p/&lt;base port&gt;/api-key</c>, readable
/// by its owner only (0600, in a 0700 directory), written when the AppHost starts and announced in its output with the
/// one-liner that reads it. (<c>dotnet user-secrets list</c> gives it too, in 4–5 s.) One file per base port, so two
/// networks side by side keep theirs; none under Aspire.Hosting.Testing, whose keys are the test's own.
/// </summary>
internal static partial class ApiKeyFile
{
    /// <summary>The file for the network whose nodes start at this base port.</summary>
    public static string PathFor(int basePort) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aspirep2p", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "api-key");

    /// <summary>Writes the key (replacing the file whole, never a half-written key) with owner-only permissions.</summary>
    public static void Write(string path, string key)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var partial = path + ".partial";
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.GetDirectoryName(directory)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var file = new FileStream(partial, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            file.Write(System.Text.Encoding.UTF8.GetBytes(key));
        }
        else
        {
            File.WriteAllText(partial, key);
        }

        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The line the AppHost prints: where the key is and how to read it.</summary>
    public static string Announcement(string path) =>
        $"The nodes' API key (send it as X-Api-Key on POST /record, POST /peer, …) is in {path}: KEY=$(cat {path})";

    /// <summary>
    /// In run mode with a base port, writes the key once the parameters are resolved and says where it is (with dynamic
    /// ports there is no base port to name the file by: the key is in the AppHost's user secrets).
    /// </summary>
    public static void WriteOnStart(IDistributedApplicationBuilder builder, ControlRoom room)
    {
        if (!builder.ExecutionContext.IsRunMode || builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts"))
        {
            return;
        }

        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>(async (e, cancellationToken) =>
        {
            if (room.Options.BasePort is not { } basePort)
            {
                return;
            }

            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AspireP2P.Hosting");
            var path = PathFor(basePort);
            try
            {
                var key = await room.Secrets.ApiKey.Resource.GetValueAsync(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrEmpty(key))
                {
                    return;
                }

                Write(path, key);
                var announcement = Announcement(path);
                LogWhere(logger, announcement);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogNotWritten(logger, path, ex);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Announcement}")]
    private static partial void LogWhere(ILogger logger, string announcement);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the API key to {Path}; dotnet user-secrets list --project <the AppHost> shows it")]
    private static partial void LogNotWritten(ILogger logger, string path, Exception exception);
}
