namespace BioAiSaaS.Core.Identity;

/// <summary>
/// One signed-in device: a family of refresh tokens that replace each other on every use.
/// Revoking the session (sign-out, "log out that device", reuse of a spent token) ends the family.
/// </summary>
public sealed class UserSession
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUsedAt { get; set; }
    /// <summary>The family's absolute end: rotation never extends a session beyond it.</summary>
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    /// <summary>How the session began: password, password+totp, recovery-code, wechat.</summary>
    public required string Method { get; init; }
    public string? Device { get; set; }
    public string? IpAddress { get; set; }
}

/// <summary>A refresh token, kept only as its SHA-256. Spent once; a second presentation is theft.</summary>
public sealed class RefreshToken
{
    public required byte[] Hash { get; init; }
    public Guid SessionId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? UsedAt { get; set; }
}
