using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Accounts;

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);
public sealed record RegisterResponse(Guid UserId, string Email, bool VerificationEmailSent);
public sealed record EmailRequest(string? Email);
public sealed record VerifyEmailRequest(Guid UserId, string? Code);
public sealed record ResetPasswordRequest(Guid UserId, string? Code, string? NewPassword);

/// <summary>Registration by e-mail and password, address verification, and password reset: all anonymous.</summary>
public static class RegistrationApi
{
    public static IEndpointRouteBuilder MapRegistrationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Sign-in").AllowAnonymous();

        group.MapPost("/register", RegisterAsync)
            .WithSummary("Create an account with e-mail and password; a verification mail follows")
            .RequireRateLimit<RegisterRequest>(RateLimitPolicy.Register, _ => null);
        group.MapPost("/email/verify", VerifyAsync)
            .WithSummary("Confirm the address with the code from the verification mail");
        group.MapPost("/email/resend", ResendAsync)
            .WithSummary("Send the verification mail again (at most once a minute per account)")
            .RequireRateLimit<EmailRequest>(RateLimitPolicy.VerificationResend, r => r.Email);
        group.MapPost("/password/forgot", ForgotAsync)
            .WithSummary("Mail a password-reset code; answers the same whether or not the account exists")
            .RequireRateLimit<EmailRequest>(RateLimitPolicy.PasswordReset, r => r.Email);
        group.MapPost("/password/reset", ResetAsync)
            .WithSummary("Set a new password with the code from the reset mail; ends every session")
            .RequireRateLimit<ResetPasswordRequest>(RateLimitPolicy.PasswordReset, r => r.UserId.ToString());
        return app;
    }

    private static async Task<Results<Created<RegisterResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, UserManager<User> users, AccountEmails mails, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!EmailAddressRules.TryNormalize(request.Email, out var email))
        {
            return Problems.Invalid("email", "Enter a valid e-mail address.");
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            return Problems.Invalid("password", "Enter a password.");
        }
        if (request.DisplayName is { Length: > 100 })
        {
            return Problems.Invalid("displayName", "At most 100 characters.");
        }
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            UserName = email,
            Email = email,
            DisplayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user, request.Password);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            created = IdentityResult.Failed(new IdentityError { Code = "DuplicateEmail" });
        }
        if (!created.Succeeded)
        {
            return created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")
                ? Problems.Of(StatusCodes.Status409Conflict, "Already registered",
                    "An account with this e-mail address exists. Sign in, or reset its password.")
                : Problems.Invalid("password", created);
        }
        await users.AddToRoleAsync(user, RoleNames.User);
        await audit.RecordAsync(AuditEventTypes.Registered, user.Id, new { method = "email" }, cancellationToken: cancellationToken);
        var sent = await mails.SendVerificationAsync(user, cancellationToken);
        return TypedResults.Created("/api/account", new RegisterResponse(user.Id, email, sent));
    }

    private static async Task<Results<NoContent, ValidationProblem>> VerifyAsync(
        VerifyEmailRequest request, UserManager<User> users, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(request.UserId.ToString());
        var token = AccountEmails.Decode(request.Code);
        if (user is null || token is null)
        {
            return Problems.Invalid("code", "The verification code is invalid or has expired.");
        }
        if (user.EmailConfirmed)
        {
            return TypedResults.NoContent();
        }
        var result = await users.ConfirmEmailAsync(user, token);
        if (!result.Succeeded)
        {
            return Problems.Invalid("code", "The verification code is invalid or has expired.");
        }
        await audit.RecordAsync(AuditEventTypes.EmailVerified, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted, ValidationProblem>> ResendAsync(
        EmailRequest request, UserManager<User> users, AccountEmails mails, CancellationToken cancellationToken)
    {
        if (!EmailAddressRules.TryNormalize(request.Email, out var email))
        {
            return Problems.Invalid("email", "Enter a valid e-mail address.");
        }
        // The same answer whether the account exists, is verified already, or not: no account discovery.
        if (await users.FindByEmailAsync(email) is { EmailConfirmed: false } user)
        {
            await mails.SendVerificationAsync(user, cancellationToken);
        }
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<Accepted, ValidationProblem>> ForgotAsync(
        EmailRequest request, UserManager<User> users, AccountEmails mails, CancellationToken cancellationToken)
    {
        if (!EmailAddressRules.TryNormalize(request.Email, out var email))
        {
            return Problems.Invalid("email", "Enter a valid e-mail address.");
        }
        if (await users.FindByEmailAsync(email) is { } user)
        {
            await mails.SendPasswordResetAsync(user, cancellationToken);
        }
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<NoContent, ValidationProblem>> ResetAsync(
        ResetPasswordRequest request, UserManager<User> users, Auth.TokenService tokens, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(request.UserId.ToString());
        var token = AccountEmails.Decode(request.Code);
        if (user is null || token is null)
        {
            return Problems.Invalid("code", "The reset code is invalid or has expired.");
        }
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            return Problems.Invalid("newPassword", "Enter a new password.");
        }
        var result = await users.ResetPasswordAsync(user, token, request.NewPassword);
        if (!result.Succeeded)
        {
            return result.Errors.Any(e => e.Code == "InvalidToken")
                ? Problems.Invalid("code", "The reset code is invalid or has expired.")
                : Problems.Invalid("newPassword", result);
        }
        // Whoever knew the old password is signed out everywhere; reaching the mailbox proves the address too.
        await tokens.RevokeAllSessionsAsync(user.Id, "password_reset", cancellationToken);
        if (!user.EmailConfirmed)
        {
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }
        // A lockout (from failures or an admin) stays: it ends on its own schedule, not by mail.
        await users.ResetAccessFailedCountAsync(user);
        await audit.RecordAsync(AuditEventTypes.PasswordReset, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }
}
