using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// Remembers access tokens that validated, until they expire (at most five minutes), so a client sending the
/// same token on every request pays for the ES256 verification and claim parsing once, not per request
/// (measured in docs/benchmarks.md). Only successes are cached, keyed by the token's SHA-256: the same string
/// carries the same signature, so a cached result is what validation would answer again, time aside, and the
/// entry ends with the token. Revocation is unaffected: the session check in
/// <see cref="AuthenticationSetup"/> runs on every request, cached or not.
/// </summary>
public sealed class CachingJsonWebTokenHandler : JsonWebTokenHandler, IDisposable
{
    private static readonly TimeSpan MaxCacheTime = TimeSpan.FromMinutes(5);
    private readonly MemoryCache _validated = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public CachingJsonWebTokenHandler() => MapInboundClaims = false;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_validated.TryGetValue(key, out CachedValidation? cached) && cached is not null && cached.Expires > DateTime.UtcNow)
        {
            // A fresh identity per request: nothing downstream may share (or mutate) another request's.
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = cached.Identity.Clone(),
                SecurityToken = cached.Token,
                TokenType = cached.TokenType,
            };
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && result.ClaimsIdentity is { } identity)
        {
            var until = DateTime.UtcNow + MaxCacheTime < jwt.ValidTo ? DateTime.UtcNow + MaxCacheTime : jwt.ValidTo;
            _validated.Set(key, new CachedValidation(identity.Clone(), jwt, result.TokenType, until),
                new MemoryCacheEntryOptions { AbsoluteExpiration = until, Size = 1 });
        }
        return result;
    }

    public void Dispose() => _validated.Dispose();

    private sealed record CachedValidation(ClaimsIdentity Identity, JsonWebToken Token, string? TokenType, DateTime Expires);
}
