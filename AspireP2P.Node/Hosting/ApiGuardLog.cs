namespace AspireP2P.Node.Hosting;

/// <summary>What the API guard refuses, without the credential a request presented (neither a key nor a token is ever logged).</summary>
internal static partial class ApiGuardLog
{
    [LoggerMessage(200, LogLevel.Information, "Refused {Method} {Path} from {Remote}: a cross-origin browser request ({Reason})")]
    public static partial void CrossOriginRefused(ILogger logger, string method, string path, string? remote, string reason);

    [LoggerMessage(201, LogLevel.Information, "Refused {Method} {Path} from {Remote}: {Reason}")]
    public static partial void ApiKeyRefused(ILogger logger, string method, string path, string? remote, string reason);

    [LoggerMessage(202, LogLevel.Debug, "Refused {Method} {Path} from {Remote}: a JSON endpoint called without a Content-Type")]
    public static partial void ContentTypeMissing(ILogger logger, string method, string path, string? remote);

    [LoggerMessage(203, LogLevel.Debug, "Refused {Method} {Path} from {Remote}: over its rate limit, retry after {RetryAfterSeconds} s")]
    public static partial void RateLimited(ILogger logger, string method, string path, string? remote, int retryAfterSeconds);
}
