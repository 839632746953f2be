namespace BioAiSaaS.Core.Identity;

/// <summary>
/// An ES256 key that signs access tokens. The private half is stored encrypted by ASP.NET Data Protection
/// (whose key ring is in this database too), so every Api replica signs and validates with the same keys.
/// A key signs until <see cref="RetiresAt"/> and is published in the JWKS until <see cref="ExpiresAt"/>,
/// which is later by more than a token's lifetime: rotation never invalidates a live token.
/// </summary>
public sealed class SigningKey
{
    public required string Id { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset RetiresAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    /// <summary>The public key as a JSON Web Key.</summary>
    public required string PublicJwk { get; init; }
    public required string ProtectedPrivateKey { get; init; }
}
