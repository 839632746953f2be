using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>
/// Signing-key rotation over simulated months, on a database of its own (migrated like the real one) so the
/// live stack's keys are untouched: successors are published before they sign, retired keys stay published
/// until the tokens they signed have expired, and replicas racing to rotate create one key.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SigningKeyRotationTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly TokenOptions Options = new();
    private readonly string _database = $"keys_{Guid.NewGuid():N}";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await AdminAsync($"CREATE DATABASE \"{_database}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = _database }.ConnectionString;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<BioDbContext>(o => BioDatabase.Configure(o, connectionString));
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Options));
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BioDbContext>().Database.MigrateAsync(Ct);
    }

    [Fact]
    public async Task A_successor_is_published_a_day_before_it_signs_and_the_retired_key_stays_published_one_day_more()
    {
        var store = NewStore();
        await store.RefreshAsync(Ct);
        var first = store.SigningCredentials.Key.KeyId;
        Assert.Single(store.Document.Keys);

        _time.Advance(Options.SigningKeyLifetime - TimeSpan.FromHours(12)); // inside the last day of the first key
        await store.RefreshAsync(Ct);
        Assert.Equal(2, store.Document.Keys.Count);
        Assert.Equal(first, store.SigningCredentials.Key.KeyId); // the successor is published, not yet signing
        var second = store.Document.Keys.Single(k => k.KeyId != first).KeyId;

        _time.Advance(TimeSpan.FromHours(13)); // the first key has retired
        await store.RefreshAsync(Ct);
        Assert.Equal(second, store.SigningCredentials.Key.KeyId);
        Assert.Contains(store.Document.Keys, k => k.KeyId == first); // tokens it signed are still valid

        _time.Advance(TimeSpan.FromDays(1));
        await store.RefreshAsync(Ct);
        Assert.DoesNotContain(store.Document.Keys, k => k.KeyId == first);
        Assert.All(store.ValidationKeys, k => Assert.NotEqual(first, k.KeyId));
    }

    [Fact]
    public async Task Replicas_rotating_at_the_same_moment_create_a_single_key()
    {
        var replicas = Enumerable.Range(0, 4).Select(_ => NewStore()).ToList();

        await Task.WhenAll(replicas.Select(r => r.RefreshAsync(Ct)));

        Assert.Single(replicas.Select(r => r.SigningCredentials.Key.KeyId).Distinct());
        await using var scope = _services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<BioDbContext>().SigningKeys.CountAsync(Ct));
    }

    [Fact]
    public async Task The_private_key_is_stored_encrypted_and_only_the_public_half_is_published()
    {
        var store = NewStore();
        await store.RefreshAsync(Ct);
        await using var scope = _services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<BioDbContext>().SigningKeys.SingleAsync(Ct);

        Assert.DoesNotContain("\"d\"", row.PublicJwk, StringComparison.Ordinal);
        // What is stored is a Data Protection payload (its magic header encodes as "CfDJ8"), not the key itself.
        Assert.StartsWith("CfDJ8", row.ProtectedPrivateKey, StringComparison.Ordinal);
        var key = Assert.IsType<ECDsaSecurityKey>(store.SigningCredentials.Key);
        Assert.Equal(256, key.KeySize);
    }

    private SigningKeyStore NewStore() => new(
        _services.GetRequiredService<IServiceScopeFactory>(), _services.GetRequiredService<IDataProtectionProvider>(),
        _services.GetRequiredService<IOptions<TokenOptions>>(), _time,
        _services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SigningKeyStore>>());

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
