using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>A public key as published at <c>/.well-known/jwks.json</c> (RFC 7517).</summary>
public sealed record JsonWebKeyDocument(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("crv")] string Curve,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Algorithm);

public sealed record JsonWebKeySetDocument([property: JsonPropertyName("keys")] IReadOnlyList<JsonWebKeyDocument> Keys);

/// <summary>
/// The ES256 keys that sign access tokens, kept in PostgreSQL (private halves encrypted by Data Protection) so all
/// replicas share them. Keys are cached here and refreshed by <see cref="SigningKeyRotator"/>. A new key is created
/// a day before the current one retires and signs only once the old one has, so every replica (and every client
/// caching the JWKS) has seen it first; retired keys stay published until tokens they signed have expired.
/// </summary>
public sealed class SigningKeyStore(IServiceScopeFactory scopes, IDataProtectionProvider dataProtection,
    IOptions<TokenOptions> options, TimeProvider time, ILogger<SigningKeyStore> logger)
{
    private static readonly TimeSpan Overlap = TimeSpan.FromDays(1);
    /// <summary>Serialises key creation across replicas (pg_advisory_xact_lock).</summary>
    private const long CreationLock = 0x5349474E4B4559; // "SIGNKEY"

    private readonly IDataProtector _protector = dataProtection.CreateProtector("BioAiSaaS.SigningKeys");
    private volatile KeySet _keys = KeySet.Empty;

    private sealed record CachedKey(SigningKey Row, ECDsaSecurityKey Key);

    private sealed record KeySet(IReadOnlyList<CachedKey> Keys, JsonWebKeySetDocument Document)
    {
        public static readonly KeySet Empty = new([], new JsonWebKeySetDocument([]));
    }

    /// <summary>Keys that validate tokens: every published one.</summary>
    public IEnumerable<SecurityKey> ValidationKeys => _keys.Keys.Select(k => k.Key);

    public JsonWebKeySetDocument Document => _keys.Document;

    /// <summary>The key to sign with now: the oldest that has not retired (its successor waits its turn).</summary>
    public SigningCredentials SigningCredentials
    {
        get
        {
            var now = time.GetUtcNow();
            var key = _keys.Keys.Where(k => k.Row.RetiresAt > now).MinBy(k => k.Row.CreatedAt)
                ?? throw new InvalidOperationException("No signing key is loaded yet.");
            return new SigningCredentials(key.Key, SecurityAlgorithms.EcdsaSha256);
        }
    }

    /// <summary>Creates a successor when the newest key retires within a day, then reloads the published keys.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var now = time.GetUtcNow();
        if (!await db.SigningKeys.AnyAsync(k => k.RetiresAt > now + Overlap, cancellationToken))
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(() => CreateKeyAsync(db, cancellationToken));
        }
        var rows = await db.SigningKeys.AsNoTracking().Where(k => k.ExpiresAt > now).OrderBy(k => k.CreatedAt)
            .ToListAsync(cancellationToken);
        var keys = rows.Select(row => new CachedKey(row, Load(row))).ToList();
        _keys = new KeySet(keys, new JsonWebKeySetDocument(
            rows.Select(r => JsonSerializer.Deserialize<JsonWebKeyDocument>(r.PublicJwk)!).ToList()));
    }

    private async Task CreateKeyAsync(BioDbContext db, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({CreationLock})", cancellationToken);
        var now = time.GetUtcNow();
        // Another replica may have created it while we waited for the lock.
        if (await db.SigningKeys.AnyAsync(k => k.RetiresAt > now + Overlap, cancellationToken))
        {
            return;
        }
        // The successor starts signing when the current key retires (or now, when there is none).
        var current = await db.SigningKeys.Where(k => k.RetiresAt > now).MaxAsync(k => (DateTimeOffset?)k.RetiresAt, cancellationToken);
        var start = current ?? now;
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(12));
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var jwk = new JsonWebKeyDocument("EC", "P-256", WebEncoders.Base64UrlEncode(parameters.Q.X!),
            WebEncoders.Base64UrlEncode(parameters.Q.Y!), id, "sig", SecurityAlgorithms.EcdsaSha256);
        db.SigningKeys.Add(new SigningKey
        {
            Id = id,
            CreatedAt = now,
            RetiresAt = start + options.Value.SigningKeyLifetime,
            ExpiresAt = start + options.Value.SigningKeyLifetime + Overlap,
            PublicJwk = JsonSerializer.Serialize(jwk),
            ProtectedPrivateKey = _protector.Protect(Convert.ToBase64String(ecdsa.ExportECPrivateKey())),
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Created signing key {KeyId}", id);
    }

    private ECDsaSecurityKey Load(SigningKey row)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportECPrivateKey(Convert.FromBase64String(_protector.Unprotect(row.ProtectedPrivateKey)), out _);
        return new ECDsaSecurityKey(ecdsa) { KeyId = row.Id };
    }
}

/// <summary>Loads the signing keys before the Api serves, then checks for rotation every few minutes.</summary>
public sealed class SigningKeyRotator(SigningKeyStore store, ILogger<SigningKeyRotator> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Without keys the Api can neither sign nor validate: starting is not "ready" until they are loaded.
        await store.RefreshAsync(cancellationToken);
        _loop = LoopAsync(_stopping.Token);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await store.RefreshAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Refreshing signing keys failed; the loaded keys stay in use");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    public void Dispose() => _stopping.Dispose();
}
