using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// One token bucket per client (<see cref="ClientAddresses.PartitionOf"/>) in ASP.NET Core's rate limiter, over every
/// request that reaches it: loopback clients do not, unless <c>P2P:RateLimit:ExemptLoopback</c> is false (the AppHost's
/// proxy, the tests and the benchmarks all come from loopback; see <see cref="ApiGuardExtensions.UseApiGuard"/>).
/// A refused request gets a 429 ProblemDetails with Retry-After.
/// </summary>
internal static class ApiGuardRateLimits
{
    public static void Configure(RateLimiterOptions options, ApiRateLimitOptions limits, ILogger logger)
    {
        if (limits.PermitsPerSecond == 0)
        {
            return;
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = limits.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            RateLimitPartition.GetTokenBucketLimiter(ClientAddresses.PartitionOf(context), _ => bucket));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (rejected, _) =>
        {
            var context = rejected.HttpContext;
            var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            ApiGuardLog.RateLimited(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString(), seconds);
            return new ValueTask(ApiProblem.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too Many Requests",
                $"this client made more than {limits.PermitsPerSecond} requests per second (bursts of {limits.Burst}; P2P:RateLimit sets both): retry after {seconds} s"));
        };
    }
}
