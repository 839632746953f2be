using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Accounts;

public sealed record AccountResponse(
    Guid Id, string? Email, bool EmailConfirmed, string? DisplayName, DateTimeOffset CreatedAt,
    IReadOnlyList<string> Roles, bool TwoFactorEnabled, bool HasPassword, IReadOnlyList<string> Logins);
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
public sealed record ChangeEmailRequest(string? NewEmail);
public sealed record ConfirmEmailChangeRequest(string? NewEmail, string? Code);
public sealed record SessionResponse(Guid Id, string Method, string? Device, string? IpAddress,
    DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, bool Current);

/// <summary>The signed-in user's own account: profile, password, e-mail address, and sessions.</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account").WithTags("Account").RequireAuthorization(Policies.Interactive);
        group.MapGet("/", GetAsync).WithSummary("The signed-in account");
        group.MapPost("/password", ChangePasswordAsync).WithSummary("Change the password; other sessions end");
        group.MapPost("/email", ChangeEmailAsync).WithSummary("Start changing the e-mail address; a code goes to the new address");
        group.MapPost("/email/confirm", ConfirmEmailChangeAsync).WithSummary("Confirm the new address with the mailed code");
        group.MapGet("/sessions", ListSessionsAsync).WithSummary("Signed-in devices: where, since when, last use");
        group.MapDelete("/sessions/{id:guid}", RevokeSessionAsync).WithSummary("Sign a device out");
        return app;
    }

    private static async Task<Ok<AccountResponse>> GetAsync(HttpContext context, UserManager<User> users)
    {
        var user = await users.RequireAsync(context.User);
        return TypedResults.Ok(new AccountResponse(user.Id, user.Email, user.EmailConfirmed, user.DisplayName, user.CreatedAt,
            [.. await users.GetRolesAsync(user)], user.TwoFactorEnabled, user.PasswordHash is not null,
            [.. (await users.GetLoginsAsync(user)).Select(l => l.LoginProvider)]));
    }

    private static async Task<Results<NoContent, ValidationProblem>> ChangePasswordAsync(
        ChangePasswordRequest request, HttpContext context, UserManager<User> users, TokenService tokens, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            return Problems.Invalid("newPassword", "Enter a new password.");
        }
        var result = user.PasswordHash is null
            ? await users.AddPasswordAsync(user, request.NewPassword) // a WeChat account adds its first password
            : await users.ChangePasswordAsync(user, request.CurrentPassword ?? "", request.NewPassword);
        if (!result.Succeeded)
        {
            return result.Errors.Any(e => e.Code == "PasswordMismatch")
                ? Problems.Invalid("currentPassword", "The current password is wrong.")
                : Problems.Invalid("newPassword", result);
        }
        // Every other device must sign in with the new password.
        await tokens.RevokeAllSessionsAsync(user.Id, "password_changed", cancellationToken, keep: context.User.SessionId());
        await audit.RecordAsync(AuditEventTypes.PasswordChanged, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> ChangeEmailAsync(
        ChangeEmailRequest request, HttpContext context, UserManager<User> users, AccountEmails mails, AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (!EmailAddressRules.TryNormalize(request.NewEmail, out var email))
        {
            return Problems.Invalid("newEmail", "Enter a valid e-mail address.");
        }
        var user = await users.RequireAsync(context.User);
        if (await users.FindByEmailAsync(email) is { } other && other.Id != user.Id)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Address in use", "Another account uses this e-mail address.");
        }
        await mails.SendEmailChangeAsync(user, email, cancellationToken);
        await audit.RecordAsync(AuditEventTypes.EmailChangeRequested, user.Id, cancellationToken: cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ConfirmEmailChangeAsync(
        ConfirmEmailChangeRequest request, HttpContext context, UserManager<User> users, AuditLog audit, CancellationToken cancellationToken)
    {
        var token = AccountEmails.Decode(request.Code);
        if (!EmailAddressRules.TryNormalize(request.NewEmail, out var email) || token is null)
        {
            return Problems.Invalid("code", "The code is invalid or has expired.");
        }
        var user = await users.RequireAsync(context.User);
        var previous = user.Email;
        IdentityResult result;
        try
        {
            result = await users.ChangeEmailAsync(user, email, token);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Address in use", "Another account uses this e-mail address.");
        }
        if (!result.Succeeded)
        {
            return Problems.Invalid("code", "The code is invalid or has expired.");
        }
        // E-mail accounts sign in by address: the user name follows it.
        if (previous is not null && string.Equals(user.UserName, previous, StringComparison.OrdinalIgnoreCase))
        {
            await users.SetUserNameAsync(user, email);
        }
        await audit.RecordAsync(AuditEventTypes.EmailChanged, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<SessionResponse>>> ListSessionsAsync(HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var userId = context.User.RequiredUserId();
        var current = context.User.SessionId();
        var now = DateTimeOffset.UtcNow;
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastUsedAt)
            .Select(s => new SessionResponse(s.Id, s.Method, s.Device, s.IpAddress, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.Id == current))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(sessions);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(
        Guid id, HttpContext context, BioDbContext db, TokenService tokens, AuditLog audit, CancellationToken cancellationToken)
    {
        var userId = context.User.RequiredUserId();
        // Someone else's session id answers exactly like an unknown one.
        if (!await db.Sessions.AnyAsync(s => s.Id == id && s.UserId == userId, cancellationToken))
        {
            return Problems.NotFound("Session");
        }
        await tokens.RevokeSessionAsync(id, "revoked_by_user", cancellationToken);
        await audit.RecordAsync(AuditEventTypes.SessionRevoked, userId, new { session = id, reason = "revoked_by_user" }, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }
}
