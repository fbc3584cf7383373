using System.Security.Cryptography;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Identity;

/// <summary>
/// This node's signing key pair and the id derived from it. Kept in <c>{data dir}/node.key</c> (the 32-byte private
/// seed, readable by the owner only) when the node has a data directory, so a restarted node is the same node with the
/// same feed; otherwise new for every run, like the tutorial's nodes, which forget everything.
/// </summary>
public sealed class NodeKeys : IDisposable
{
    public const string FileName = "node.key";
    private const int SeedLength = 32;

    private readonly INodeSigner _signer;

    private NodeKeys(INodeSigner signer, ISignatureScheme scheme)
    {
        _signer = signer;
        Scheme = scheme;
        PublicKey = signer.PublicKey;
        Id = NodeId.FromPublicKey(PublicKey);
    }

    public NodeId Id { get; }

    public byte[] PublicKey { get; }

    public ISignatureScheme Scheme { get; }

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => _signer.Sign(message, signature);

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[Scheme.SignatureLength];
        _signer.Sign(message, signature);
        return signature;
    }

    /// <summary>Keys from a given seed: the simulator derives every node's seed from the run's seed.</summary>
    public static NodeKeys FromSeed(ReadOnlySpan<byte> seed, ISignatureScheme scheme) => new(scheme.Import(seed), scheme);

    public static NodeKeys LoadOrCreate(string? dataDirectory, ISignatureScheme scheme)
    {
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            return FromSeed(RandomNumberGenerator.GetBytes(SeedLength), scheme);
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var stored = File.ReadAllBytes(path);
            if (stored.Length != SeedLength)
            {
                throw new InvalidDataException($"{path} holds {stored.Length} bytes, not a {SeedLength}-byte node key; move it away to start as a new node.");
            }

            return FromSeed(stored, scheme);
        }

        var seed = RandomNumberGenerator.GetBytes(SeedLength);
        // Written to a temporary file and renamed, so a crash never leaves half a key behind.
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            file.Write(seed);
            file.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path);
        return FromSeed(seed, scheme);
    }

    public void Dispose() => _signer.Dispose();
}
