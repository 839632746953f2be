using BioAiSaaS.Api.Auth;

namespace BioAiSaaS.Api.RateLimiting;

/// <summary>
/// Applies a <see cref="RateLimitPolicy"/> to an endpoint after its body is bound, so the account key can come
/// from the request (the e-mail being signed in) or from the caller (the signed-in user). Refusals are 429
/// problems with Retry-After, and the endpoint does not run.
/// </summary>
public static class RateLimitFilter
{
    /// <summary>Limits by client address and by the account named in the request body of type <typeparamref name="TBody"/>.</summary>
    public static RouteHandlerBuilder RequireRateLimit<TBody>(this RouteHandlerBuilder endpoint, RateLimitPolicy policy,
        Func<TBody, string?> account) =>
        endpoint.AddEndpointFilter(async (context, next) =>
            await CheckAsync(context, policy, context.Arguments.OfType<TBody>().FirstOrDefault() is { } body ? account(body) : null)
            ?? await next(context))
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Limits by client address and by the signed-in user.</summary>
    public static RouteHandlerBuilder RequireRateLimit(this RouteHandlerBuilder endpoint, RateLimitPolicy policy) =>
        endpoint.AddEndpointFilter(async (context, next) =>
            await CheckAsync(context, policy, context.HttpContext.User.UserId()?.ToString())
            ?? await next(context))
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult?> CheckAsync(EndpointFilterInvocationContext context, RateLimitPolicy policy, string? account)
    {
        var http = context.HttpContext;
        var limiter = http.RequestServices.GetRequiredService<RedisRateLimiter>();
        var decision = await limiter.CheckAsync(policy, http.Connection.RemoteIpAddress?.ToString(), account);
        if (decision.Allowed)
        {
            return null;
        }
        http.Response.Headers.RetryAfter = RedisRateLimiter.RetryAfterHeader(decision.RetryAfter);
        return TypedResults.Problem(
            title: "Too many requests",
            detail: $"The {policy} limit was reached; retry after {RedisRateLimiter.RetryAfterHeader(decision.RetryAfter)} s.",
            statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["limit"] = policy.ToString() });
    }
}
