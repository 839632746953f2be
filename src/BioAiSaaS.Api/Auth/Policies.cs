using BioAiSaaS.Api.ApiKeys;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>The authorization policies endpoints name.</summary>
public static class Policies
{
    /// <summary>A person signed in with a token, not a program with an API key: account and key management.</summary>
    public const string Interactive = "interactive";
    public const string RunsRead = "runs:read";
    /// <summary>Starting runs: the <c>runs:write</c> scope and a verified account.</summary>
    public const string RunsWrite = "runs:write";
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Interactive, p => p.RequireAuthenticatedUser().AddRequirements(new InteractiveRequirement()));
        options.AddPolicy(RunsRead, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(ApiScopes.RunsRead)));
        options.AddPolicy(RunsWrite, p => p.RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(ApiScopes.RunsWrite), new VerifiedAccountRequirement()));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().AddRequirements(new InteractiveRequirement()).RequireRole(RoleNames.Admin));
        // Everything not marked otherwise needs a caller: a new endpoint is never public by accident.
        options.FallbackPolicy = options.DefaultPolicy;
    }
}

public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

public sealed class VerifiedAccountRequirement : IAuthorizationRequirement;

public sealed class InteractiveRequirement : IAuthorizationRequirement;

/// <summary>Decides the three requirements above from the caller's claims.</summary>
public sealed class AccountRequirementsHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var user = context.User;
        var viaApiKey = user.HasClaim(c => c.Type == AccountClaims.ApiKeyId);
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            var met = requirement switch
            {
                InteractiveRequirement => user.Identity?.IsAuthenticated == true && !viaApiKey,
                ScopeRequirement scope => !viaApiKey || user.HasClaim(AccountClaims.Scope, scope.Scope),
                VerifiedAccountRequirement => user.HasClaim(AccountClaims.Verified, "true"),
                _ => (bool?)null,
            };
            if (met == true)
            {
                context.Succeed(requirement);
            }
            else if (met == false && user.FindFirst(JwtRegisteredClaimNames.Sub) is not null)
            {
                context.Fail(new AuthorizationFailureReason(this, Explain(requirement)));
            }
        }
        return Task.CompletedTask;
    }

    private static string Explain(IAuthorizationRequirement requirement) => requirement switch
    {
        InteractiveRequirement => "This endpoint needs a signed-in user; API keys cannot use it.",
        ScopeRequirement scope => $"The API key lacks the '{scope.Scope}' scope.",
        VerifiedAccountRequirement => "Verify your e-mail address before starting runs.",
        _ => "Not allowed.",
    };
}
