using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace BioAiSaaS.Api.ApiKeys;

/// <summary>
/// Authenticates <c>X-Api-Key: bsk_…</c> or <c>Authorization: Bearer bsk_…</c>. The key's public prefix finds the
/// row; the SHA-256 of the whole key must match in constant time; revoked, expired or locked-out keys fail.
/// Validated keys are remembered for 30 seconds (<see cref="ApiKeyCache"/>), behind the revocation markers.
/// The last-used time is therefore as fine as a minute plus the cache's lifetime.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BioDbContext db,
    ApiKeyCache cache,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    /// <summary>Last-used times are written at most this often per key, not on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>True when the request carries an API key (rather than a JWT) in either header.</summary>
    public static bool IsPresent(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName)
        || request.Headers.Authorization.ToString().StartsWith("Bearer " + ApiKeyFormat.Marker, StringComparison.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers.TryGetValue(HeaderName, out var header)
            ? header.ToString()
            : Request.Headers.Authorization.ToString()["Bearer ".Length..];
        if (!ApiKeyFormat.TryGetPrefix(presented, out var prefix))
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }
        var hash = ApiKeyFormat.Hash(presented);
        var key = await cache.GetAsync(hash);
        if (key is null)
        {
            var (found, failure) = await LookUpAsync(prefix, hash);
            if (found is null)
            {
                return AuthenticateResult.Fail(failure!);
            }
            cache.Set(hash, key = found);
        }
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, key.UserId.ToString()),
            new(AccountClaims.ApiKeyId, key.KeyId.ToString()),
            new(AccountClaims.Verified, key.Verified ? "true" : "false"),
            new(JwtRegisteredClaimNames.Amr, "apikey"),
        };
        claims.AddRange(key.Scopes.Select(scope => new Claim(AccountClaims.Scope, scope)));
        var identity = new ClaimsIdentity(claims, SchemeName, JwtRegisteredClaimNames.Sub, "role");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The truth, from PostgreSQL: the key by its public prefix, its secret's hash, its account's state.</summary>
    private async Task<(ValidatedApiKey? Key, string? Failure)> LookUpAsync(string prefix, byte[] hash)
    {
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.Prefix == prefix)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, User = u })
            .FirstOrDefaultAsync(Context.RequestAborted);
        var now = time.GetUtcNow();
        if (found is null || !CryptographicOperations.FixedTimeEquals(found.Key.SecretHash, hash))
        {
            return (null, "Unknown API key.");
        }
        if (found.Key.RevokedAt is not null || found.Key.ExpiresAt <= now)
        {
            return (null, "The API key was revoked or has expired.");
        }
        if (found.User.LockoutEnd > now)
        {
            return (null, "The account is locked.");
        }
        if (found.Key.LastUsedAt is null || found.Key.LastUsedAt < now - LastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Id == found.Key.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }
        // The logins are asked for only when the answer matters (no confirmed e-mail).
        var hasWeChat = !found.User.EmailConfirmed
            && await db.UserLogins.AnyAsync(l => l.UserId == found.User.Id && l.LoginProvider == WeChat.WeChatLogin.Provider, Context.RequestAborted);
        var verified = AccountClaims.IsVerified(found.User, hasWeChat);
        return (new ValidatedApiKey(found.Key.Id, found.User.Id, found.Key.Scopes, verified, found.Key.ExpiresAt), null);
    }
}

/// <summary>The key format: <c>bsk_</c> + 12 public characters (the prefix) + 43 secret ones.</summary>
public static class ApiKeyFormat
{
    public const string Marker = "bsk_";
    private const int PublicLength = 12;
    private const int SecretLength = 43; // 32 random bytes, base64url

    public static string Create(out string prefix)
    {
        prefix = Marker + Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(9));
        return prefix + Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
    }

    public static bool TryGetPrefix(string presented, out string prefix)
    {
        prefix = "";
        if (presented.Length != Marker.Length + PublicLength + SecretLength || !presented.StartsWith(Marker, StringComparison.Ordinal))
        {
            return false;
        }
        prefix = presented[..(Marker.Length + PublicLength)];
        return true;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
