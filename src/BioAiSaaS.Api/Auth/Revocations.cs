using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// Makes revocations bite at once although validated credentials are not re-read from PostgreSQL on every
/// request: a revoked session's access tokens (valid up to 15 minutes), and a revoked API key or a blocked
/// account whose key sits in an Api replica's short cache (<see cref="ApiKeys.ApiKeyCache"/>). PostgreSQL holds
/// the revocation itself; Redis holds a marker only as long as the stale credential could otherwise live, and
/// authentication checks it. If Redis is down the check passes: the credential then ends on its own schedule
/// (token expiry, cache expiry), which is the bound without this list.
/// </summary>
public sealed class Revocations(IConnectionMultiplexer redis, IOptions<TokenOptions> options, ILogger<Revocations> logger)
{
    /// <summary>How long a key or account marker lives: beyond the API-key cache's lifetime.</summary>
    public static readonly TimeSpan CredentialMarkerLifetime = TimeSpan.FromMinutes(2);

    private static RedisKey Session(Guid id) => $"bioaisaas:revoked-session:{id:N}";
    private static RedisKey ApiKey(Guid id) => $"bioaisaas:revoked-apikey:{id:N}";
    private static RedisKey User(Guid id) => $"bioaisaas:blocked-user:{id:N}";

    // A minute beyond the token lifetime covers the validation clock skew.
    public Task RevokeSessionAsync(Guid sessionId) => MarkAsync(Session(sessionId), options.Value.AccessTokenLifetime + TimeSpan.FromMinutes(1));

    public Task RevokeApiKeyAsync(Guid keyId) => MarkAsync(ApiKey(keyId), CredentialMarkerLifetime);

    /// <summary>Locked or deleted: the account's cached API keys stop working.</summary>
    public Task BlockUserAsync(Guid userId) => MarkAsync(User(userId), CredentialMarkerLifetime);

    public async Task UnblockUserAsync(Guid userId)
    {
        if (redis.IsConnected)
        {
            await redis.GetDatabase().KeyDeleteAsync(User(userId));
        }
    }

    public Task<bool> IsSessionRevokedAsync(Guid sessionId) => AnyAsync([Session(sessionId)]);

    public Task<bool> IsApiKeyRevokedAsync(Guid keyId, Guid userId) => AnyAsync([ApiKey(keyId), User(userId)]);

    private async Task MarkAsync(RedisKey key, TimeSpan lifetime)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(key, 1, lifetime);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not publish the revocation {Key}; the credential ends on its own schedule", key.ToString());
        }
    }

    private async Task<bool> AnyAsync(RedisKey[] keys)
    {
        // Disconnected, a command would wait for its timeout on every request: pass, as on any Redis failure.
        if (!redis.IsConnected)
        {
            return false;
        }
        try
        {
            return await redis.GetDatabase().KeyExistsAsync(keys) > 0;
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not check revocations; accepting the credential");
            return false;
        }
    }
}
