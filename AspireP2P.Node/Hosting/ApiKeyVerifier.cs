using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Checks the credential a request presents against <c>P2P:ApiKey</c>. Only SHA-256 digests are kept and compared,
/// in constant time, so neither the key's bytes nor its length show in how long a wrong guess takes.
/// <para>
/// The page token stands in for the key in the page served to a browser on this machine (see
/// <see cref="ApiSecurityOptions.LoopbackPageToken"/>): random per run, and accepted only from loopback clients, so a
/// copy that leaks off the machine opens nothing.
/// </para>
/// </summary>
public sealed class ApiKeyVerifier
{
    public const string ApiKeyHeader = "X-Api-Key";

    private const string BearerPrefix = "Bearer ";
    private const int MaxPresentedChars = 512;

    private readonly byte[]? _keyDigest;
    private readonly byte[]? _pageTokenDigest;
    private readonly string? _pageToken;

    public ApiKeyVerifier(IOptions<ApiSecurityOptions> options)
    {
        var key = options.Value.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return;
        }

        _keyDigest = Digest(key);
        if (options.Value.LoopbackPageToken)
        {
            _pageToken = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            _pageTokenDigest = Digest(_pageToken);
        }
    }

    /// <summary>A key is configured: endpoints marked <c>RequireApiKey</c> ask for it.</summary>
    public bool KeyRequired => _keyDigest is not null;

    /// <summary>The token to embed in the page for this request, or null (no key configured, token off, or not a local client).</summary>
    public string? PageTokenFor(HttpContext context) => _pageToken is not null && ClientAddresses.IsLocal(context) ? _pageToken : null;

    /// <summary>The request may use endpoints that need the key: none is configured, or it presents the key (or the page token, from this machine).</summary>
    public bool IsAuthorized(HttpContext context)
    {
        if (_keyDigest is null)
        {
            return true;
        }

        var presented = Presented(context.Request);
        if (presented.IsEmpty || presented.Length > MaxPresentedChars)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[MaxPresentedChars * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        if (CryptographicOperations.FixedTimeEquals(digest, _keyDigest))
        {
            return true;
        }

        return _pageTokenDigest is not null && CryptographicOperations.FixedTimeEquals(digest, _pageTokenDigest) && ClientAddresses.IsLocal(context);
    }

    /// <summary><c>X-Api-Key: k</c> or <c>Authorization: Bearer k</c>; nothing when a header is repeated (which value would count is not obvious).</summary>
    private static ReadOnlySpan<char> Presented(HttpRequest request)
    {
        var header = request.Headers[ApiKeyHeader];
        if (header.Count == 1)
        {
            return header[0].AsSpan().Trim();
        }

        var authorization = request.Headers[HeaderNames.Authorization];
        if (header.Count == 0 && authorization.Count == 1 && authorization[0] is { } value
            && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return value.AsSpan(BearerPrefix.Length).Trim();
        }

        return [];
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
