using BioAiSaaS.Api.Admin;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Privacy;

public sealed record DeleteAccountRequest(string? Password, string? Code);

/// <summary>The data-subject rights: a copy of everything we hold about me, and erasure.</summary>
public static class PrivacyApi
{
    /// <summary>Without a password, deletion needs a sign-in this recent (WeChat accounts prove themselves by signing in).</summary>
    private static readonly TimeSpan RecentSignIn = TimeSpan.FromMinutes(10);
    private static readonly System.Text.Json.JsonSerializerOptions ArchiveJson =
        new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account").WithTags("Privacy").RequireAuthorization(Policies.Interactive);
        group.MapGet("/export", ExportAsync).WithSummary("Download all data held about this account as one JSON archive");
        group.MapPost("/delete", DeleteAsync).WithSummary("Delete the account and its runs; the audit trail is kept without the person");
        return app;
    }

    private static async Task<FileContentHttpResult> ExportAsync(HttpContext context, UserManager<User> users, BioDbContext db,
        AuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        // Runs are read through row-level security as this user, like every tenant read.
        var runs = await db.Runs.AsNoTracking().Where(r => r.OwnerId == user.Id).OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken);
        var archive = new
        {
            exportedAt = DateTimeOffset.UtcNow,
            format = "bioaisaas-export/1",
            account = new
            {
                user.Id, user.Email, user.EmailConfirmed, user.DisplayName, user.CreatedAt, user.TwoFactorEnabled,
                hasPassword = user.PasswordHash is not null,
                roles = await users.GetRolesAsync(user),
                logins = (await users.GetLoginsAsync(user)).Select(l => new { provider = l.LoginProvider, key = l.ProviderKey }),
            },
            sessions = await db.Sessions.AsNoTracking().Where(s => s.UserId == user.Id).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken),
            apiKeys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == user.Id)
                .Select(k => new { k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt })
                .ToListAsync(cancellationToken),
            runs = runs.Select(r => RunResponse.From(r)),
            auditEvents = (await db.AuditEvents.AsNoTracking().Where(a => a.UserId == user.Id).OrderBy(a => a.Id).ToListAsync(cancellationToken))
                .Select(AdminApi.ToResponse),
        };
        await audit.RecordAsync(AuditEventTypes.DataExported, user.Id, cancellationToken: cancellationToken);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(archive, ArchiveJson);
        return TypedResults.File(json, "application/json", $"bioaisaas-export-{user.Id}.json");
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        DeleteAccountRequest request, HttpContext context, UserManager<User> users, BioDbContext db, TokenService tokens,
        TwoFactorChallenge challenge, AuditLog audit, Revocations revocations, CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        if (user.PasswordHash is not null)
        {
            if (!await users.CheckPasswordAsync(user, request.Password ?? ""))
            {
                return Problems.Invalid("password", "Confirm with your password.");
            }
        }
        else if (!SignedInRecently(context))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, "Sign in again", "Deleting an account needs a sign-in from the last 10 minutes.");
        }
        if (user.TwoFactorEnabled && !await challenge.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return Problems.Invalid("code", "Confirm with a code from your authenticator.");
        }

        await tokens.RevokeAllSessionsAsync(user.Id, "account_deleted", cancellationToken);
        await revocations.BlockUserAsync(user.Id);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The audit trail stays (security and legal duty) but no longer names the person or their address.
            await db.AuditEvents.Where(a => a.UserId == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.UserId, (Guid?)null).SetProperty(a => a.IpAddress, (string?)null), cancellationToken);
            await db.AuditEvents.Where(a => a.ActorId == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.ActorId, (Guid?)null), cancellationToken);
            await db.Runs.Where(r => r.OwnerId == user.Id).ExecuteDeleteAsync(cancellationToken);
            // Sessions, refresh tokens, API keys, logins and roles go with the user row (cascades).
            await db.Users.Where(u => u.Id == user.Id).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        // Financial records (issue #7) will be kept and anonymised here, as bookkeeping law requires.
        await audit.RecordAsync(AuditEventTypes.AccountDeleted, userId: null, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static bool SignedInRecently(HttpContext context) =>
        long.TryParse(context.User.FindFirst(Microsoft.IdentityModel.JsonWebTokens.JwtRegisteredClaimNames.AuthTime)?.Value, out var seconds)
        && DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds) < RecentSignIn;
}
