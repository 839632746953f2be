using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.RateLimiting;

/// <summary>The outcome of a limit check: allowed, or refused until <see cref="RetryAfter"/> has passed.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static readonly RateLimitDecision Allow = new(true, TimeSpan.Zero);
}

/// <summary>
/// Fixed-window counters in Redis (one atomic script: INCR, and PEXPIRE on the first hit), so the limits hold
/// across Api replicas. Account keys are hashed: Redis never holds an e-mail address. If Redis is unreachable
/// the request is allowed (and logged): the lockout in PostgreSQL still stops password guessing, and refusing
/// every sign-in because a cache is down would be the worse failure.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis, IOptionsMonitor<RateLimitOptions> options,
    ILogger<RedisRateLimiter> logger)
{
    private static readonly LuaScript Hit = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @window) end
        return { count, redis.call('PTTL', @key) }
        """);

    public async Task<RateLimitDecision> CheckAsync(RateLimitPolicy policy, string? ipAddress, string? account)
    {
        var limit = options.CurrentValue[policy];
        var window = TimeSpan.FromSeconds(limit.WindowSeconds);
        // Disconnected, a command would wait for its timeout: do not make every sign-in that slow.
        if (!redis.IsConnected)
        {
            logger.LogWarning("Rate limit {Policy} not enforced: Redis is unavailable", policy);
            return RateLimitDecision.Allow;
        }
        try
        {
            if (limit.PerIp > 0 && ipAddress is not null
                && await HitAsync($"{policy}:ip:{ipAddress}", limit.PerIp, window) is { Allowed: false } byIp)
            {
                return byIp;
            }
            if (limit.PerAccount > 0 && !string.IsNullOrEmpty(account)
                && await HitAsync($"{policy}:account:{Hash(account)}", limit.PerAccount, window) is { Allowed: false } byAccount)
            {
                return byAccount;
            }
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Rate limit {Policy} not enforced: Redis is unavailable", policy);
        }
        return RateLimitDecision.Allow;
    }

    private async Task<RateLimitDecision> HitAsync(string key, int permits, TimeSpan window)
    {
        var redisKey = $"bioaisaas:ratelimit:{key}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Hit,
            new { key = (RedisKey)redisKey, window = (long)window.TotalMilliseconds }))!;
        var count = (long)result[0];
        var ttl = TimeSpan.FromMilliseconds(Math.Max((long)result[1], 0));
        return count <= permits ? RateLimitDecision.Allow : new RateLimitDecision(false, ttl);
    }

    private static string Hash(string account) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(account.Trim().ToUpperInvariant())))[..32];

    public static string RetryAfterHeader(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
