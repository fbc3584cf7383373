using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// When the AppHost's default launch runs the Native AOT node: only when it was published from the node build the AppHost
/// just built, judged by the assemblies' content, so an edit makes it stale and a rebuild that changed nothing does not.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NativeAotNodeTests : IDisposable
{
    private readonly DirectoryInfo _project = Directory.CreateTempSubdirectory("aspirep2p-aot-");

    private string JitBinary => Path.Combine(_project.FullName, "bin", "Debug", "net10.0", "AspireP2P.Node");

    public NativeAotNodeTests()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(JitBinary)!);
        File.WriteAllBytes(JitBinary + ".dll", [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(JitBinary)!, "AspireP2P.ServiceDefaults.dll"), [4, 5]);
    }

    [Fact]
    public void WithoutAPublishTheNodeIsStale() =>
        Assert.False(NativeAotNode.IsCurrent(_project.FullName, JitBinary));

    [Fact]
    public void APublishFromThisBuildIsCurrentEvenAfterARebuildThatChangedNothing()
    {
        Publish();

        // A restore for linux-x64 rewrites the assets file and the next build compiles again: same bytes, newer files.
        File.WriteAllBytes(JitBinary + ".dll", [1, 2, 3]);
        File.SetLastWriteTimeUtc(JitBinary + ".dll", DateTime.UtcNow.AddMinutes(5));

        Assert.True(NativeAotNode.IsCurrent(_project.FullName, JitBinary));
    }

    [Fact]
    public void AChangeToAnyOfTheNodesAssembliesMakesThePublishStale()
    {
        Publish();

        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(JitBinary)!, "AspireP2P.ServiceDefaults.dll"), [4, 6]);

        Assert.False(NativeAotNode.IsCurrent(_project.FullName, JitBinary));
    }

    [Fact]
    public void ARecordWithoutItsBinaryIsStale()
    {
        Publish();
        File.Delete(NativeAotNode.BinaryPath(_project.FullName, JitBinary));

        Assert.False(NativeAotNode.IsCurrent(_project.FullName, JitBinary));
    }

    public void Dispose() => _project.Delete(recursive: true);

    /// <summary>What a publish leaves behind: the binary in place and the record of the build it came from.</summary>
    private void Publish()
    {
        var binary = NativeAotNode.BinaryPath(_project.FullName, JitBinary);
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        File.WriteAllBytes(binary, [9]);
        NativeAotNode.RecordPublishedFrom(_project.FullName, NativeAotNode.BuildHash(JitBinary));
    }
}
