using Microsoft.AspNetCore.Identity;

namespace BioAiSaaS.Core.Identity;

/// <summary>An account. E-mail and password, WeChat (an external login), or both.</summary>
public sealed class User : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Shown in the console; from the registration form or the WeChat nickname.</summary>
    public string? DisplayName { get; set; }
}

/// <summary>The two roles; rows seeded by the migration so every environment has the same ids.</summary>
public static class RoleNames
{
    public const string User = "user";
    public const string Admin = "admin";

    internal static readonly Guid UserId = new("0193a5b0-0000-7000-8000-000000000001");
    internal static readonly Guid AdminId = new("0193a5b0-0000-7000-8000-000000000002");
}
