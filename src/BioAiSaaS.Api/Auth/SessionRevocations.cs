using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// Makes a revoked session's access tokens stop working at once instead of at their expiry. PostgreSQL holds
/// the revocation (refresh is refused forever); Redis holds a marker only as long as an access token lives, and
/// every authenticated request checks it. If Redis is down the check passes: tokens then end at their expiry,
/// at most 15 minutes later, which is the bound without this list.
/// </summary>
public sealed class SessionRevocations(IConnectionMultiplexer redis, IOptions<TokenOptions> options, ILogger<SessionRevocations> logger)
{
    private static RedisKey Key(Guid sessionId) => $"bioaisaas:revoked-session:{sessionId:N}";

    public async Task RevokeAsync(Guid sessionId)
    {
        try
        {
            // A minute beyond the token lifetime covers the validation clock skew.
            await redis.GetDatabase().StringSetAsync(Key(sessionId), 1, options.Value.AccessTokenLifetime + TimeSpan.FromMinutes(1));
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not publish the revocation of session {SessionId}; its access tokens expire on their own", sessionId);
        }
    }

    public async Task<bool> IsRevokedAsync(Guid sessionId)
    {
        if (!redis.IsConnected)
        {
            return false; // as below, without waiting for a command timeout on every request
        }
        try
        {
            return await redis.GetDatabase().KeyExistsAsync(Key(sessionId));
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not check session revocation; accepting the token until it expires");
            return false;
        }
    }
}
