using System.Security.Cryptography;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// The state between a correct password and the second factor: a short-lived token protected by Data
/// Protection, bound to the account's security stamp (a password change voids it). Also remembers accepted
/// TOTP codes for their validity window, so a code seen over a shoulder cannot be replayed.
/// </summary>
public sealed class TwoFactorChallenge(IDataProtectionProvider dataProtection, UserManager<User> users,
    IConnectionMultiplexer redis, IOptions<TokenOptions> options, ILogger<TwoFactorChallenge> logger)
{
    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("BioAiSaaS.TwoFactorChallenge").ToTimeLimitedDataProtector();

    public async Task<string> IssueAsync(User user) =>
        _protector.Protect($"{user.Id}|{await users.GetSecurityStampAsync(user)}", options.Value.TwoFactorChallengeLifetime);

    /// <summary>The user the challenge was issued to, if it is genuine, unexpired and the account unchanged since.</summary>
    public async Task<User?> RedeemAsync(string? challenge)
    {
        if (string.IsNullOrEmpty(challenge))
        {
            return null;
        }
        string payload;
        try
        {
            payload = _protector.Unprotect(challenge);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var parts = payload.Split('|');
        var user = parts.Length == 2 ? await users.FindByIdAsync(parts[0]) : null;
        return user is not null && await users.GetSecurityStampAsync(user) == parts[1] ? user : null;
    }

    /// <summary>Checks an authenticator code and spends it: the same code is refused a second time.</summary>
    public async Task<bool> VerifyCodeAsync(User user, string code)
    {
        code = code.Replace(" ", "", StringComparison.Ordinal);
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)
            || !await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            return false;
        }
        if (!redis.IsConnected)
        {
            logger.LogWarning("Redis is unavailable; accepting an authenticator code without replay protection");
            return true;
        }
        try
        {
            // Identity accepts a code for a few 30-second steps around now; remember it a little longer than that.
            return await redis.GetDatabase().StringSetAsync($"bioaisaas:totp-used:{user.Id:N}:{code}", 1,
                TimeSpan.FromMinutes(5), When.NotExists);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not record a spent authenticator code; accepting it without replay protection");
            return true;
        }
    }
}
