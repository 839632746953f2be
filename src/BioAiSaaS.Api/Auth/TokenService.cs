using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>What a successful sign-in or refresh returns. Always in a body, never in a URL.</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, Guid SessionId);

/// <summary>Why a refresh was refused; a reused token has also revoked its session.</summary>
public enum RefreshFailure
{
    Unknown,
    Reused,
    /// <summary>Spent a moment ago by a concurrent presentation of the same token; the session lives on.</summary>
    Concurrent,
    SessionEnded,
    AccountLocked,
}

/// <summary>
/// Issues access tokens (ES256 JWTs, 15 minutes) and refresh tokens (opaque, rotated on every use, stored hashed).
/// A session is one family of refresh tokens; presenting a spent one revokes the family, since either the
/// legitimate client or a thief now holds a copy and we cannot tell which.
/// </summary>
public sealed class TokenService(
    BioDbContext db,
    UserManager<User> users,
    SigningKeyStore keys,
    Revocations revocations,
    AuditLog audit,
    IHttpContextAccessor http,
    IOptions<TokenOptions> options,
    IOptions<Email.AccountOptions> accounts,
    TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TokenOptions _options = options.Value;

    /// <summary>Starts a session for a user who has just proven who they are.</summary>
    public async Task<TokenResponse> SignInAsync(User user, string method, CancellationToken cancellationToken)
    {
        await PromoteConfiguredAdminAsync(user);
        var now = time.GetUtcNow();
        var context = http.HttpContext;
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(),
            UserId = user.Id,
            CreatedAt = now,
            LastUsedAt = now,
            ExpiresAt = now + _options.SessionLifetime,
            Method = method,
            Device = Truncate(context?.Request.Headers.UserAgent.ToString(), 256),
            IpAddress = context?.Connection.RemoteIpAddress?.ToString(),
        };
        db.Sessions.Add(session);
        var refresh = NewRefreshToken(session.Id, now, out var refreshToken);
        db.RefreshTokens.Add(refresh);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(AuditEventTypes.SignIn, user.Id, new { method, session = session.Id }, cancellationToken: cancellationToken);
        return await IssueAsync(user, session, refreshToken, authTime: now);
    }

    /// <summary>How long after a token is spent a second presentation counts as concurrent rather than a replay.</summary>
    public static readonly TimeSpan ConcurrentPresentationGrace = TimeSpan.FromSeconds(5);

    /// <summary>Spends a refresh token for a new pair. A spent token revokes its whole session.</summary>
    public async Task<(TokenResponse? Tokens, RefreshFailure Failure)> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = Hash(refreshToken);
        var now = time.GetUtcNow();
        // The one conditional UPDATE decides the race: of two presentations, exactly one spends the token.
        var spent = await db.Database.SqlQuery<Guid>($"""
            UPDATE refresh_tokens SET used_at = {now} WHERE hash = {hash} AND used_at IS NULL RETURNING session_id AS "Value"
            """).ToListAsync(cancellationToken);
        if (spent.Count == 0)
        {
            var reused = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash, cancellationToken);
            if (reused is null)
            {
                return (null, RefreshFailure.Unknown);
            }
            // The same token presented twice at once (a client retrying, two tabs) is not a theft: the other
            // presentation won moments ago and nothing has spent its successor yet. Refuse this one without ending
            // the session, or the winner's fresh pair would die with it.
            if (reused.UsedAt is { } usedAt && now - usedAt < ConcurrentPresentationGrace
                && !await db.RefreshTokens.AnyAsync(t => t.SessionId == reused.SessionId && t.UsedAt > usedAt, cancellationToken))
            {
                return (null, RefreshFailure.Concurrent);
            }
            var victim = await RevokeSessionAsync(reused.SessionId, "refresh_token_reuse", cancellationToken);
            if (victim is not null)
            {
                await audit.RecordAsync(AuditEventTypes.RefreshReuse, victim.UserId, new { session = victim.Id }, cancellationToken: cancellationToken);
            }
            return (null, RefreshFailure.Reused);
        }

        var session = await db.Sessions.SingleAsync(s => s.Id == spent[0], cancellationToken);
        if (session.RevokedAt is not null || session.ExpiresAt <= now)
        {
            return (null, RefreshFailure.SessionEnded);
        }
        var user = await users.FindByIdAsync(session.UserId.ToString());
        if (user is null)
        {
            return (null, RefreshFailure.SessionEnded);
        }
        if (await users.IsLockedOutAsync(user))
        {
            return (null, RefreshFailure.AccountLocked);
        }
        session.LastUsedAt = now;
        session.IpAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString() ?? session.IpAddress;
        db.RefreshTokens.Add(NewRefreshToken(session.Id, now, out var next));
        await db.SaveChangesAsync(cancellationToken);
        return (await IssueAsync(user, session, next, authTime: session.CreatedAt), default);
    }

    /// <summary>Ends a session: its refresh tokens stop working now, its access tokens at once too (see <see cref="Revocations"/>).</summary>
    public async Task<UserSession?> RevokeSessionAsync(Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null)
        {
            return null;
        }
        if (session.RevokedAt is null)
        {
            session.RevokedAt = time.GetUtcNow();
            session.RevokedReason = reason;
            await db.SaveChangesAsync(cancellationToken);
            await revocations.RevokeSessionAsync(session.Id);
        }
        return session;
    }

    /// <summary>Ends every open session of a user (password reset or change, lock, deletion), except
    /// <paramref name="keep"/>: one UPDATE, then a revocation marker per session it ended.</summary>
    public async Task RevokeAllSessionsAsync(Guid userId, string reason, CancellationToken cancellationToken, Guid? keep = null)
    {
        var now = time.GetUtcNow();
        var ended = await db.Database.SqlQuery<Guid>($"""
            UPDATE user_sessions SET revoked_at = {now}, revoked_reason = {reason}
             WHERE user_id = {userId} AND revoked_at IS NULL AND id IS DISTINCT FROM {keep}
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        foreach (var id in ended)
        {
            await revocations.RevokeSessionAsync(id);
        }
    }

    private async Task<TokenResponse> IssueAsync(User user, UserSession session, string refreshToken, DateTimeOffset authTime)
    {
        var now = time.GetUtcNow();
        var roles = await users.GetRolesAsync(user);
        var logins = await users.GetLoginsAsync(user);
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
            new(JwtRegisteredClaimNames.Sid, session.Id.ToString()),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString()),
            new(JwtRegisteredClaimNames.AuthTime, authTime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new(JwtRegisteredClaimNames.Amr, session.Method),
            new(AccountClaims.Verified, AccountClaims.IsVerified(user, logins.Any(l => l.LoginProvider == WeChat.WeChatLogin.Provider)) ? "true" : "false", ClaimValueTypes.Boolean),
        };
        if (user.Email is { } email)
        {
            claims.Add(new(JwtRegisteredClaimNames.Email, email));
        }
        claims.AddRange(roles.Select(role => new Claim("role", role)));
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + _options.AccessTokenLifetime).UtcDateTime,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = keys.SigningCredentials,
        });
        return new TokenResponse(token, "Bearer", (int)_options.AccessTokenLifetime.TotalSeconds, refreshToken, session.Id);
    }

    /// <summary>Grants admin to a verified account whose address the configuration names (the first admins).</summary>
    private async Task PromoteConfiguredAdminAsync(User user)
    {
        if (user is { EmailConfirmed: true, Email: { } email }
            && accounts.Value.AdminEmails.Contains(email, StringComparer.OrdinalIgnoreCase)
            && !await users.IsInRoleAsync(user, RoleNames.Admin))
        {
            await users.AddToRoleAsync(user, RoleNames.Admin);
            await audit.RecordAsync(AuditEventTypes.AdminGranted, user.Id, new { source = "configuration" });
        }
    }

    private static RefreshToken NewRefreshToken(Guid sessionId, DateTimeOffset now, out string token)
    {
        token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return new RefreshToken { Hash = Hash(token), SessionId = sessionId, CreatedAt = now };
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}
