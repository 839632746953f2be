using System.Text.Json;

namespace BioAiSaaS.Core.Identity;

/// <summary>A security-relevant event. Kept when the account is deleted, with the user's id removed.</summary>
public sealed class AuditEvent
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public Guid? UserId { get; set; }
    /// <summary>Who acted when not the user themself (an admin locking an account).</summary>
    public Guid? ActorId { get; set; }
    public required string Type { get; init; }
    public string? IpAddress { get; set; }
    public JsonDocument? Data { get; init; }
}

/// <summary>The audit vocabulary, in one place so queries and exports agree.</summary>
public static class AuditEventTypes
{
    public const string Registered = "account.registered";
    public const string EmailVerified = "account.email_verified";
    public const string EmailChangeRequested = "account.email_change_requested";
    public const string EmailChanged = "account.email_changed";
    public const string PasswordChanged = "account.password_changed";
    public const string PasswordReset = "account.password_reset";
    public const string SignIn = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string LockedOut = "signin.locked_out";
    public const string RefreshReuse = "session.refresh_reuse";
    public const string SessionRevoked = "session.revoked";
    public const string TwoFactorEnabled = "2fa.enabled";
    public const string TwoFactorDisabled = "2fa.disabled";
    public const string RecoveryCodesRegenerated = "2fa.recovery_codes_regenerated";
    public const string RecoveryCodeUsed = "2fa.recovery_code_used";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string WeChatLinked = "wechat.linked";
    public const string WeChatUnlinked = "wechat.unlinked";
    public const string DataExported = "privacy.exported";
    public const string AccountDeleted = "privacy.account_deleted";
    public const string AdminLocked = "admin.user_locked";
    public const string AdminUnlocked = "admin.user_unlocked";
    public const string AdminGranted = "admin.role_granted";
}
