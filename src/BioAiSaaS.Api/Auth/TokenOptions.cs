using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Api.Auth;

/// <summary>The <c>Tokens</c> section: who issues access tokens, for whom, and how long everything lives.</summary>
public sealed class TokenOptions
{
    public const string Section = "Tokens";

    [Required] public string Issuer { get; set; } = "https://bioaisaas.local";
    [Required] public string Audience { get; set; } = "bioaisaas-api";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>A session's absolute lifetime; each refresh rotates the token but never extends this.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);
    /// <summary>How long a signing key signs; its successor is published a day before it takes over.</summary>
    public TimeSpan SigningKeyLifetime { get; set; } = TimeSpan.FromDays(30);
    /// <summary>How long a second-factor challenge (after a correct password) stays redeemable.</summary>
    public TimeSpan TwoFactorChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
