using System.Text.Json;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Admin;

public sealed record AdminUserResponse(Guid Id, string? Email, bool EmailConfirmed, string? DisplayName, DateTimeOffset CreatedAt,
    DateTimeOffset? LockoutEnd, bool TwoFactorEnabled, IReadOnlyList<string> Roles);
public sealed record AdminUserPage(IReadOnlyList<AdminUserResponse> Users, int Page, int PageSize, int Total);
public sealed record LockRequest(DateTimeOffset? Until, string? Reason);
public sealed record AuditEventResponse(long Id, DateTimeOffset At, string Type, Guid? UserId, Guid? ActorId, string? IpAddress, JsonElement? Data);

/// <summary>For administrators: find users, lock and unlock them, read the audit log.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(Policies.Admin);
        group.MapGet("/users", ListUsersAsync).WithSummary("Users, newest first, optionally filtered by e-mail or name");
        group.MapPost("/users/{id:guid}/lock", LockAsync).WithSummary("Lock an account (until a time, or indefinitely) and end its sessions");
        group.MapPost("/users/{id:guid}/unlock", UnlockAsync).WithSummary("Unlock an account");
        group.MapGet("/audit", AuditAsync).WithSummary("Security events, newest first; page with 'before'");
        return app;
    }

    private static async Task<Results<Ok<AdminUserPage>, ValidationProblem>> ListUsersAsync(
        BioDbContext db, string? search, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var size = pageSize ?? 50;
        var number = page ?? 1;
        if (size is < 1 or > 200 || number < 1)
        {
            return Problems.Invalid("pageSize", "page ≥ 1 and 1 ≤ pageSize ≤ 200.");
        }
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = $"%{search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal)}%";
            query = query.Where(u => EF.Functions.ILike(u.Email ?? "", pattern) || EF.Functions.ILike(u.DisplayName ?? "", pattern));
        }
        var total = await query.CountAsync(cancellationToken);
        var users = await query.OrderByDescending(u => u.CreatedAt).Skip((number - 1) * size).Take(size)
            .Select(u => new
            {
                User = u,
                Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new AdminUserPage(users.Select(x => new AdminUserResponse(x.User.Id, x.User.Email, x.User.EmailConfirmed,
            x.User.DisplayName, x.User.CreatedAt, x.User.LockoutEnd, x.User.TwoFactorEnabled, x.Roles)).ToList(), number, size, total));
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> LockAsync(
        Guid id, LockRequest? request, HttpContext context, UserManager<User> users, TokenService tokens, AuditLog audit,
        Revocations revocations, CancellationToken cancellationToken)
    {
        var actor = context.User.RequiredUserId();
        if (id == actor)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Cannot lock yourself", "Another administrator must do that.");
        }
        if (request?.Until is { } until && until <= DateTimeOffset.UtcNow)
        {
            return Problems.Invalid("until", "Give a time in the future, or leave it out to lock indefinitely.");
        }
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return Problems.NotFound("User");
        }
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, request?.Until ?? DateTimeOffset.MaxValue);
        await tokens.RevokeAllSessionsAsync(user.Id, "locked_by_admin", cancellationToken);
        await revocations.BlockUserAsync(user.Id);
        await audit.RecordAsync(AuditEventTypes.AdminLocked, user.Id, new { until = request?.Until, reason = request?.Reason }, actor, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        Guid id, HttpContext context, UserManager<User> users, AuditLog audit, Revocations revocations, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return Problems.NotFound("User");
        }
        await users.SetLockoutEndDateAsync(user, null);
        await revocations.UnblockUserAsync(user.Id);
        await users.ResetAccessFailedCountAsync(user);
        await audit.RecordAsync(AuditEventTypes.AdminUnlocked, user.Id, actorId: context.User.RequiredUserId(), cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<AuditEventResponse>>, ValidationProblem>> AuditAsync(
        BioDbContext db, Guid? userId, string? type, long? before, int? limit, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "Between 1 and 1000.");
        }
        var query = db.AuditEvents.AsNoTracking();
        if (userId is { } user)
        {
            query = query.Where(a => a.UserId == user);
        }
        if (!string.IsNullOrEmpty(type))
        {
            query = query.Where(a => a.Type == type);
        }
        if (before is { } cursor)
        {
            query = query.Where(a => a.Id < cursor);
        }
        var events = await query.OrderByDescending(a => a.Id).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(events.Select(ToResponse).ToList());
    }

    public static AuditEventResponse ToResponse(AuditEvent a) =>
        new(a.Id, a.At, a.Type, a.UserId, a.ActorId, a.IpAddress, a.Data?.RootElement.Clone());
}
