namespace BioAiSaaS.Core.Identity;

/// <summary>
/// A long-lived credential for programs and MCP clients. Only the SHA-256 of its secret is stored; the
/// full key is shown once, at creation. The public <see cref="Prefix"/> finds the row without a scan.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public required string Name { get; init; }
    /// <summary>The key's public part (<c>bsk_</c> + 12 characters), shown in listings so users can tell keys apart.</summary>
    public required string Prefix { get; init; }
    public required byte[] SecretHash { get; init; }
    public required string[] Scopes { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
