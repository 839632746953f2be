using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Api.RateLimiting;

/// <summary>One limit: at most <see cref="PerIp"/> requests per client address and <see cref="PerAccount"/> per
/// account in a fixed window of <see cref="WindowSeconds"/>. Zero switches that key off.</summary>
public sealed class RateLimit
{
    [Range(0, 1_000_000)] public int PerIp { get; set; }
    [Range(0, 1_000_000)] public int PerAccount { get; set; }
    [Range(1, 86_400)] public int WindowSeconds { get; set; } = 60;
}

/// <summary>The <c>RateLimits</c> section. Counts live in Redis, so every Api replica enforces the same limits.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    [Required] public RateLimit SignIn { get; set; } = new() { PerIp = 60, PerAccount = 10, WindowSeconds = 60 };
    [Required] public RateLimit Register { get; set; } = new() { PerIp = 20, WindowSeconds = 3600 };
    [Required] public RateLimit PasswordReset { get; set; } = new() { PerIp = 20, PerAccount = 3, WindowSeconds = 3600 };
    /// <summary>The resend cool-down: one verification mail per account per minute.</summary>
    [Required] public RateLimit VerificationResend { get; set; } = new() { PerIp = 30, PerAccount = 1, WindowSeconds = 60 };
    [Required] public RateLimit Refresh { get; set; } = new() { PerIp = 120, PerAccount = 30, WindowSeconds = 60 };
    /// <summary>Per user; the billing plans will set this per plan.</summary>
    [Required] public RateLimit RunSubmission { get; set; } = new() { PerAccount = 120, WindowSeconds = 60 };

    public RateLimit this[RateLimitPolicy policy] => policy switch
    {
        RateLimitPolicy.SignIn => SignIn,
        RateLimitPolicy.Register => Register,
        RateLimitPolicy.PasswordReset => PasswordReset,
        RateLimitPolicy.VerificationResend => VerificationResend,
        RateLimitPolicy.Refresh => Refresh,
        RateLimitPolicy.RunSubmission => RunSubmission,
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };
}

public enum RateLimitPolicy
{
    SignIn,
    Register,
    PasswordReset,
    VerificationResend,
    Refresh,
    RunSubmission,
}
