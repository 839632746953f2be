using System.Security.Claims;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>The claims our tokens and API keys carry beyond the registered JWT ones.</summary>
public static class AccountClaims
{
    /// <summary>"true" once the account may start runs: a verified e-mail, or an identity vouched for by WeChat.</summary>
    public const string Verified = "verified";
    public const string Scope = "scope";
    public const string ApiKeyId = "api_key_id";

    public static bool IsVerified(User user, bool hasWeChatLogin) => user.EmailConfirmed || hasWeChatLogin;

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id : null;

    /// <summary>The signed-in user's id; only for endpoints behind authorization.</summary>
    public static Guid RequiredUserId(this ClaimsPrincipal principal) =>
        principal.UserId() ?? throw new InvalidOperationException("The endpoint requires an authenticated user.");

    /// <summary>The signed-in user's account; only for endpoints behind authorization (a deleted account fails loudly).</summary>
    public static async Task<User> RequireAsync(this UserManager<User> users, ClaimsPrincipal principal) =>
        await users.FindByIdAsync(principal.RequiredUserId().ToString())
        ?? throw new InvalidOperationException("The signed-in account no longer exists.");

    public static Guid? SessionId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sid), out var id) ? id : null;
}
