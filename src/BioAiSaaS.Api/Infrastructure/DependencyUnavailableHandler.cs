using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Infrastructure;

/// <summary>
/// Turns "the database (after the retry policy gave up) or Redis is unreachable" into 503 with Retry-After
/// instead of a 500: the request was fine, the platform was briefly not, and the client should simply try
/// again. (Most Redis uses degrade gracefully on their own; the few that cannot, like WeChat's one-time
/// state, end here.)
/// </summary>
public sealed class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger)
    : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var what = Unavailable(exception);
        if (what is null)
        {
            return false;
        }
        logger.LogWarning(exception, "{Dependency} unavailable while serving {Path}", what, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"The {what} is unavailable",
                Detail = $"Nothing was changed. Retry in {RetryAfterSeconds} seconds.",
            },
        });
    }

    private static string? Unavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RedisConnectionException or RedisTimeoutException:
                    return "cache";
                case RetryLimitExceededException or NpgsqlException { IsTransient: true } or SocketException:
                    return "database";
            }
        }
        return null;
    }
}
