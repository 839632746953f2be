using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace BioAiSaaS.Api.Auth;

public sealed record SignInRequest(string? Email, string? Password);
public sealed record TwoFactorRequiredResponse(bool TwoFactorRequired, string TwoFactorToken);
public sealed record TwoFactorSignInRequest(string? TwoFactorToken, string? Code, string? RecoveryCode);
public sealed record RefreshRequest(string? RefreshToken);

/// <summary>Sign-in with password (and second factor), refresh, sign-out, and the public keys that verify our tokens.</summary>
public static class SignInApi
{
    public static IEndpointRouteBuilder MapSignInApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", (SigningKeyStore keys, HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Ok(keys.Document);
            })
            .WithTags("Sign-in").WithSummary("The public keys that verify access tokens (RFC 7517)").AllowAnonymous();

        var group = app.MapGroup("/api/auth").WithTags("Sign-in");
        group.MapPost("/login", SignInAsync).AllowAnonymous()
            .WithSummary("Sign in with e-mail and password; answers tokens, or a challenge when 2FA is on")
            .RequireRateLimit<SignInRequest>(RateLimitPolicy.SignIn, r => r.Email);
        group.MapPost("/login/two-factor", SecondFactorAsync).AllowAnonymous()
            .WithSummary("Complete a sign-in with an authenticator code or a recovery code")
            .RequireRateLimit<TwoFactorSignInRequest>(RateLimitPolicy.SignIn, r => r.TwoFactorToken);
        group.MapPost("/refresh", RefreshAsync).AllowAnonymous()
            .WithSummary("Trade a refresh token for new tokens; a spent token ends its whole session")
            .RequireRateLimit<RefreshRequest>(RateLimitPolicy.Refresh, r => r.RefreshToken);
        group.MapPost("/logout", SignOutAsync).RequireAuthorization(Policies.Interactive)
            .WithSummary("End this session: its refresh and access tokens stop working");
        return app;
    }

    private static async Task<Results<Ok<TokenResponse>, Ok<TwoFactorRequiredResponse>, ProblemHttpResult, ValidationProblem>> SignInAsync(
        SignInRequest request, UserManager<User> users, TokenService tokens, TwoFactorChallenge challenge, AuditLog audit,
        IPasswordHasher<User> hasher, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return Problems.Invalid("email", "Enter the e-mail address and the password.");
        }
        var user = EmailAddressRules.TryNormalize(request.Email, out var email) ? await users.FindByEmailAsync(email) : null;
        if (user is null)
        {
            // Spend the time a real check would, so response times do not reveal which addresses have accounts.
            hasher.VerifyHashedPassword(new User(), DummyHash.Value, request.Password);
            return Problems.Unauthorized("The e-mail address or the password is wrong.");
        }
        if (await users.IsLockedOutAsync(user))
        {
            return await LockedAsync(user, users, context);
        }
        if (!await users.CheckPasswordAsync(user, request.Password))
        {
            return await FailAsync(user, users, audit, context, "password", cancellationToken);
        }
        await users.ResetAccessFailedCountAsync(user);
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            return TypedResults.Ok(new TwoFactorRequiredResponse(true, await challenge.IssueAsync(user)));
        }
        return TypedResults.Ok(await tokens.SignInAsync(user, "pwd", cancellationToken));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> SecondFactorAsync(
        TwoFactorSignInRequest request, UserManager<User> users, TokenService tokens, TwoFactorChallenge challenge,
        AuditLog audit, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Code) == string.IsNullOrEmpty(request.RecoveryCode))
        {
            return Problems.Invalid("code", "Give either an authenticator code or a recovery code.");
        }
        var user = await challenge.RedeemAsync(request.TwoFactorToken);
        if (user is null)
        {
            return Problems.Unauthorized("The sign-in challenge is invalid or has expired; sign in again.");
        }
        if (await users.IsLockedOutAsync(user))
        {
            return await LockedAsync(user, users, context);
        }
        if (request.Code is { Length: > 0 } code)
        {
            if (!await challenge.VerifyCodeAsync(user, code))
            {
                return await FailAsync(user, users, audit, context, "totp", cancellationToken);
            }
            return TypedResults.Ok(await tokens.SignInAsync(user, "pwd+otp", cancellationToken));
        }
        var recovery = request.RecoveryCode!.Trim();
        if (!(await users.RedeemTwoFactorRecoveryCodeAsync(user, recovery)).Succeeded)
        {
            return await FailAsync(user, users, audit, context, "recovery_code", cancellationToken);
        }
        await audit.RecordAsync(AuditEventTypes.RecoveryCodeUsed, user.Id,
            new { remaining = await users.CountRecoveryCodesAsync(user) }, cancellationToken: cancellationToken);
        return TypedResults.Ok(await tokens.SignInAsync(user, "pwd+recovery", cancellationToken));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> RefreshAsync(
        RefreshRequest request, TokenService tokens, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken) || request.RefreshToken.Length > 128)
        {
            return Problems.Invalid("refreshToken", "Give the refresh token.");
        }
        var (issued, failure) = await tokens.RefreshAsync(request.RefreshToken, cancellationToken);
        return issued is not null
            ? TypedResults.Ok(issued)
            : Problems.Unauthorized(failure switch
            {
                RefreshFailure.Reused => "This refresh token was already used, so the session has been ended for safety. Sign in again.",
                RefreshFailure.Concurrent => "This refresh token was just used by another request; use the tokens that request received.",
                RefreshFailure.SessionEnded => "The session has ended. Sign in again.",
                RefreshFailure.AccountLocked => "The account is locked.",
                _ => "The refresh token is not valid.",
            });
    }

    private static async Task<NoContent> SignOutAsync(HttpContext context, TokenService tokens, AuditLog audit, CancellationToken cancellationToken)
    {
        if (context.User.SessionId() is { } session)
        {
            await tokens.RevokeSessionAsync(session, "signed_out", cancellationToken);
            await audit.RecordAsync(AuditEventTypes.SessionRevoked, context.User.RequiredUserId(), new { session, reason = "signed_out" },
                cancellationToken: cancellationToken);
        }
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult> FailAsync(User user, UserManager<User> users, AuditLog audit, HttpContext context,
        string factor, CancellationToken cancellationToken)
    {
        await users.AccessFailedAsync(user);
        await audit.RecordAsync(AuditEventTypes.SignInFailed, user.Id, new { factor }, cancellationToken: cancellationToken);
        if (await users.IsLockedOutAsync(user))
        {
            await audit.RecordAsync(AuditEventTypes.LockedOut, user.Id, new { until = await users.GetLockoutEndDateAsync(user) },
                cancellationToken: cancellationToken);
            return await LockedAsync(user, users, context);
        }
        return Problems.Unauthorized(factor == "password"
            ? "The e-mail address or the password is wrong."
            : "The code is wrong or was already used.");
    }

    private static async Task<ProblemHttpResult> LockedAsync(User user, UserManager<User> users, HttpContext context)
    {
        var until = await users.GetLockoutEndDateAsync(user) ?? DateTimeOffset.UtcNow;
        var wait = until - DateTimeOffset.UtcNow;
        if (wait < TimeSpan.FromDays(365))
        {
            context.Response.Headers.RetryAfter = RedisRateLimiter.RetryAfterHeader(wait);
        }
        return Problems.Of(StatusCodes.Status423Locked, "Account locked",
            wait < TimeSpan.FromDays(365)
                ? $"Too many failed attempts. Try again after {until:u}, or reset the password."
                : "This account has been locked by an administrator.");
    }

    /// <summary>A password hash of the current format, to verify against when there is no account.</summary>
    private static class DummyHash
    {
        public static readonly string Value = new PasswordHasher<User>().HashPassword(new User(), Guid.NewGuid().ToString());
    }
}
