using BioAiSaaS.Api.Auth;
using Microsoft.Extensions.Caching.Memory;

namespace BioAiSaaS.Api.ApiKeys;

/// <summary>What a successful API-key lookup established, kept briefly so busy programs do not cost two
/// database round trips per request.</summary>
public sealed record ValidatedApiKey(Guid KeyId, Guid UserId, IReadOnlyList<string> Scopes, bool Verified, DateTimeOffset? ExpiresAt);

/// <summary>
/// A 30-second in-memory cache of validated API keys, keyed by the key's SHA-256 (never the key). A hit is
/// honoured only after the revocation markers in Redis say neither the key nor its account was revoked or
/// locked since (<see cref="Revocations"/>); a miss goes to PostgreSQL, which is always the truth.
/// </summary>
public sealed class ApiKeyCache(IMemoryCache cache, Revocations revocations, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    public async Task<ValidatedApiKey?> GetAsync(byte[] hash)
    {
        var cacheKey = CacheKey(hash);
        if (!cache.TryGetValue(cacheKey, out ValidatedApiKey? key) || key is null)
        {
            return null;
        }
        if (key.ExpiresAt <= time.GetUtcNow() || await revocations.IsApiKeyRevokedAsync(key.KeyId, key.UserId))
        {
            cache.Remove(cacheKey);
            return null; // PostgreSQL decides
        }
        return key;
    }

    public void Set(byte[] hash, ValidatedApiKey key) => cache.Set(CacheKey(hash), key, Lifetime);

    private static string CacheKey(byte[] hash) => "apikey:" + Convert.ToHexString(hash);
}
