using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The API key where a shell reads it at once (the README's one-liner): a file per network, its owner's only, replaced
/// whole, and the line the AppHost prints says where it is and how to read it.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApiKeyFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aspirep2p-key-").FullName;

    [Fact]
    public void TheKeyIsWrittenForItsOwnerOnlyAndReplacedWhole()
    {
        var path = Path.Combine(_root, ".aspirep2p", "3030", "api-key");

        ApiKeyFile.Write(path, "first-key");
        ApiKeyFile.Write(path, "second-key");

        Assert.Equal("second-key", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(["api-key"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void EachNetworkHasItsOwnFileInTheHomeDirectoryAndTheAppHostSaysHowToReadIt()
    {
        var path = ApiKeyFile.PathFor(4000);

        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aspirep2p", "4000", "api-key"), path);
        Assert.EndsWith($"KEY=$(cat {path})", ApiKeyFile.Announcement(path), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
