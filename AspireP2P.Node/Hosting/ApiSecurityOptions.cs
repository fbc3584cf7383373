using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// How the node guards its HTTP API, bound from the <c>P2P</c> section next to <see cref="NodeOptions"/>:
/// <c>--api-key</c> (<c>P2P:ApiKey</c>), <c>P2P:AllowedHosts</c>, <c>P2P:LoopbackPageToken</c> and <c>P2P:RateLimit:*</c>.
/// </summary>
public sealed class ApiSecurityOptions
{
    public const string SectionName = NodeOptions.SectionName;

    /// <summary>Fewest characters an API key may have: a key someone can guess is no key.</summary>
    public const int MinApiKeyLength = 16;

    /// <summary>
    /// The secret that endpoints marked <c>.RequireApiKey()</c> (the ones that change the node) ask for, in
    /// <c>X-Api-Key</c> or <c>Authorization: Bearer</c>. Optional on loopback; required when the node listens beyond it.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Host names this node answers to beyond its own (comma- or semicolon-separated, no ports; <c>*.example.com</c>
    /// matches subdomains; <c>*</c> turns the check off). The listen host, the public address's host and, on loopback,
    /// <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c> are always allowed.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>
    /// With an API key set, the page served to a browser on this machine carries a token that stands in for the key,
    /// accepted only from loopback clients. Turn off on a machine shared with people who must not have the key: the page
    /// then asks every browser for the key.
    /// </summary>
    public bool LoopbackPageToken { get; set; } = true;

    [ValidateObjectMembers]
    public ApiRateLimitOptions RateLimit { get; set; } = new();

    public IReadOnlyList<string> AllowedHostList =>
        string.IsNullOrWhiteSpace(AllowedHosts) ? [] : AllowedHosts.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Per-client request limits (a token bucket per client address, IPv6 per /64). Loopback clients are exempt by default,
/// so benchmarks and the AppHost's own traffic run unthrottled; another machine gets <see cref="PermitsPerSecond"/>
/// with bursts up to <see cref="Burst"/>, and beyond that a 429 with Retry-After.
/// </summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Requests per second one client may make, sustained; 0 turns rate limiting off.</summary>
    [Range(0, 10_000_000)]
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Requests one client may make at once after a quiet spell (the bucket's size).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 2000;

    /// <summary>Loopback clients are not limited (set false to limit them too, e.g. to try the limits on one machine).</summary>
    public bool ExemptLoopback { get; set; } = true;
}

/// <summary>Checks what annotations cannot: a key is required off loopback, keys and host names are well formed.</summary>
internal sealed class ApiSecurityOptionsValidator(IOptions<NodeOptions> node) : IValidateOptions<ApiSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiSecurityOptions options)
    {
        var failures = new List<string>();
        var host = node.Value.Host;
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            if (!ClientAddresses.IsLoopbackHost(host))
            {
                failures.Add($"P2P:ApiKey (--api-key) is required when the node listens beyond loopback (P2P:Host is '{host}'): "
                    + $"anyone who can reach it could change it. Set a secret of at least {ApiSecurityOptions.MinApiKeyLength} characters, e.g. P2P__ApiKey=$(openssl rand -hex 24).");
            }
        }
        else if (options.ApiKey.Length < ApiSecurityOptions.MinApiKeyLength || options.ApiKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '~'))
        {
            // The value itself is never echoed: a message can end up in a log.
            failures.Add($"P2P:ApiKey (--api-key) must be at least {ApiSecurityOptions.MinApiKeyLength} printable ASCII characters without spaces (it travels in an HTTP header).");
        }

        foreach (var allowed in options.AllowedHostList)
        {
            var bare = allowed.StartsWith("*.", StringComparison.Ordinal) ? allowed[2..] : allowed;
            if (allowed != "*" && Uri.CheckHostName(bare.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                failures.Add($"P2P:AllowedHosts entry '{allowed}' is not a host name (no scheme or port: 'node.example.com', '*.example.com', '10.0.0.5', '[::1]').");
            }
        }

        if (options.RateLimit.PermitsPerSecond > options.RateLimit.Burst)
        {
            failures.Add($"P2P:RateLimit:Burst ({options.RateLimit.Burst}) must be at least P2P:RateLimit:PermitsPerSecond ({options.RateLimit.PermitsPerSecond}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The <see cref="ApiSecurityOptions"/> data annotations, checked by generated code instead of reflection.</summary>
[OptionsValidator]
internal sealed partial class ApiSecurityOptionsAnnotationsValidator : IValidateOptions<ApiSecurityOptions>;
