using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.ApiKeys;

public sealed record CreateApiKeyRequest(string? Name, string[]? Scopes, int? ExpiresInDays);
public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
/// <summary>The only answer that contains the key itself.</summary>
public sealed record CreatedApiKeyResponse(string Key, ApiKeyResponse ApiKey);

/// <summary>API keys for programs and MCP clients: created by a signed-in user, shown once, revocable.</summary>
public static class ApiKeysApi
{
    private const int MaxActiveKeys = 25;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account/api-keys").WithTags("API keys").RequireAuthorization(Policies.Interactive);
        group.MapGet("/", ListAsync).WithSummary("The account's API keys (never their secrets)");
        group.MapPost("/", CreateAsync).WithSummary("Create a key with a name and scopes; the key is in this answer only");
        group.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revoke a key; it stops working at once");
        return app;
    }

    private static async Task<Ok<List<ApiKeyResponse>>> ListAsync(HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var userId = context.User.RequiredUserId();
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).OrderByDescending(k => k.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(keys.Select(ToResponse).ToList());
    }

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest request, HttpContext context, BioDbContext db, AuditLog audit, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return Problems.Invalid("name", "Give the key a name of 1 to 100 characters.");
        }
        var scopes = request.Scopes is { Length: > 0 } requested ? requested.Distinct(StringComparer.Ordinal).ToArray() : [.. ApiScopes.All];
        if (scopes.FirstOrDefault(s => !ApiScopes.All.Contains(s)) is { } unknown)
        {
            return Problems.Invalid("scopes", $"Unknown scope '{unknown}'. Known scopes: {string.Join(", ", ApiScopes.All)}.");
        }
        if (request.ExpiresInDays is < 1 or > 3650)
        {
            return Problems.Invalid("expiresInDays", "Between 1 and 3650 days, or leave it out for a key that does not expire.");
        }
        var userId = context.User.RequiredUserId();
        if (await db.ApiKeys.CountAsync(k => k.UserId == userId && k.RevokedAt == null, cancellationToken) >= MaxActiveKeys)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Too many API keys", $"At most {MaxActiveKeys} active keys; revoke one first.");
        }
        var now = DateTimeOffset.UtcNow;
        var secret = ApiKeyFormat.Create(out var prefix);
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            Prefix = prefix,
            SecretHash = ApiKeyFormat.Hash(secret),
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = request.ExpiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(AuditEventTypes.ApiKeyCreated, userId, new { key = key.Id, prefix, scopes }, cancellationToken: cancellationToken);
        return TypedResults.Created($"/api/account/api-keys/{key.Id}", new CreatedApiKeyResponse(secret, ToResponse(key)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, HttpContext context, BioDbContext db, AuditLog audit, Revocations revocations, CancellationToken cancellationToken)
    {
        var userId = context.User.RequiredUserId();
        var revoked = await db.ApiKeys.Where(k => k.Id == id && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTimeOffset.UtcNow), cancellationToken);
        if (revoked == 0 && !await db.ApiKeys.AnyAsync(k => k.Id == id && k.UserId == userId, cancellationToken))
        {
            return Problems.NotFound("API key");
        }
        if (revoked > 0)
        {
            await revocations.RevokeApiKeyAsync(id);
            await audit.RecordAsync(AuditEventTypes.ApiKeyRevoked, userId, new { key = id }, cancellationToken: cancellationToken);
        }
        return TypedResults.NoContent();
    }

    private static ApiKeyResponse ToResponse(ApiKey key) =>
        new(key.Id, key.Name, key.Prefix, key.Scopes, key.CreatedAt, key.ExpiresAt, key.LastUsedAt, key.RevokedAt);
}
