using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Projects;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>
/// Switching the embedding model, on a database of its own (migrated like the real one, used through the services'
/// login so row-level security applies): the previous model keeps answering while the new one is backfilled, new
/// documents get both models' vectors, and searches move to the new model once every passage has its vector. The
/// new model is a real OpenAI-compatible endpoint over HTTP whose vectors are hashed bags of words.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ModelSwitchTests(StackFixture stack) : IAsyncLifetime
{
    private const string NewModel = "hashed-words-64";
    private const int NewDimensions = 64;
    private readonly string _database = $"switch_{Guid.NewGuid():N}";
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _project = Guid.NewGuid();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FakeEmbeddingsEndpoint _endpoint = null!;
    private string _ownerConnection = null!;
    private string _appConnection = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _endpoint = await FakeEmbeddingsEndpoint.StartAsync((_, text) => HashedWords(text));
        await AdminAsync($"CREATE DATABASE \"{_database}\"", "postgres");
        _ownerConnection = new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = _database }.ConnectionString;
        _appConnection = new NpgsqlConnectionStringBuilder(await stack.GetApplicationConnectionStringAsync()) { Database = _database }.ConnectionString;
        using var owner = Host(_ownerConnection, switched: false);
        await using var scope = owner.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        await db.Database.MigrateAsync(Ct);
        // What the migration service grants the services' login in the real database.
        await AdminAsync($"""
            GRANT CONNECT ON DATABASE "{_database}" TO {BioDatabase.ApplicationRole};
            GRANT USAGE ON SCHEMA public TO {BioDatabase.ApplicationRole};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {BioDatabase.ApplicationRole};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {BioDatabase.ApplicationRole};
            """, _database);
        db.Users.Add(new User { Id = _user, UserName = $"switch-{_user:N}", CreatedAt = DateTimeOffset.UtcNow });
        db.Projects.Add(new Project { Id = _project, OwnerId = _user, Name = "switch", CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task The_previous_model_serves_until_the_new_one_covers_every_passage_and_then_searches_move_to_it()
    {
        // Before the switch: MiniLM alone, a project's documents and a library entry.
        long primers;
        using (var before = Host(_appConnection, switched: false))
        {
            primers = await IndexAsync(before, _user, "Design PCR primers with 40 to 60 percent GC and a melting temperature near 60 C.");
            await IndexAsync(before, _user, "Invoices are payable within thirty days of receipt.");
        }
        using (var ownerBefore = Host(_ownerConnection, switched: false))
        {
            await IndexAsync(ownerBefore, owner: null, "Restriction cloning: cut vector and insert with the same enzymes, then ligate.");
            await ownerBefore.Services.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Library, Ct); // marks MiniLM complete
        }

        // The switch, as the migration service does it at deploy: the new model's index, then the library.
        using var ownerAfter = Host(_ownerConnection, switched: true);
        await using (var scope = ownerAfter.Services.CreateAsyncScope())
        {
            var created = await EmbeddingIndexes.EnsureAsync(scope.ServiceProvider.GetRequiredService<BioDbContext>(),
                ownerAfter.Services.GetRequiredService<EmbeddingModels>(), Ct);
            Assert.Single(created); // MiniLM's index came with the migrations and is recognised by what it indexes
            Assert.Empty(await EmbeddingIndexes.EnsureAsync(scope.ServiceProvider.GetRequiredService<BioDbContext>(),
                ownerAfter.Services.GetRequiredService<EmbeddingModels>(), Ct));
        }
        Assert.Equal(1, await ownerAfter.Services.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Library, Ct));

        using var after = Host(_appConnection, switched: true);
        var during = await SearchAsync(after, "how to design PCR primers");
        Assert.Equal(LocalEmbeddingGenerator.ModelName, during.Model); // projects' passages still lack new vectors
        Assert.Equal(primers, during.Passages[0].ChunkId);

        // A document indexed during the switch gets both models' vectors, so either model finds it.
        var added = await IndexAsync(after, _user, "SpCas9 guides need an NGG PAM directly after the protospacer.");
        Assert.Equal([LocalEmbeddingGenerator.ModelName, NewModel], await ModelsOfAsync(added));

        // The Worker's backfill fills in the two older project passages, writing as their owner.
        Assert.Equal(2, await after.Services.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Projects, Ct));
        Assert.Equal(0, await CountMissingAsync(NewModel));

        _time.Advance(TimeSpan.FromSeconds(6)); // past the coverage cache
        var switched = await SearchAsync(after, "how to design PCR primers");
        Assert.Equal(NewModel, switched.Model);
        Assert.Equal(primers, switched.Passages[0].ChunkId);
        // The query went to the new model's endpoint.
        Assert.Contains(_endpoint.Requests, r => r.Body.GetProperty("input")[0].GetString() == "how to design PCR primers");
    }

    [Fact]
    public async Task A_new_model_serves_at_once_when_no_previous_model_is_configured_and_backfill_completes_it()
    {
        using (var before = Host(_appConnection, switched: false))
        {
            await IndexAsync(before, _user, "qPCR relative quantification uses the delta-delta Ct method against a reference gene.");
        }
        using var ownerAfter = Host(_ownerConnection, switched: true, keepPrevious: false);
        await using (var scope = ownerAfter.Services.CreateAsyncScope())
        {
            await EmbeddingIndexes.EnsureAsync(scope.ServiceProvider.GetRequiredService<BioDbContext>(),
                ownerAfter.Services.GetRequiredService<EmbeddingModels>(), Ct);
        }
        using var after = Host(_appConnection, switched: true, keepPrevious: false);

        Assert.Equal(NewModel, (await SearchAsync(after, "delta-delta Ct")).Model); // nothing else to serve with
        Assert.Equal(1, await after.Services.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Projects, Ct));
        Assert.Equal(0, await CountMissingAsync(NewModel));
        Assert.Equal(0, await after.Services.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Projects, Ct)); // idempotent
    }

    private IHost Host(string connectionString, bool switched, bool keepPrevious = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        var settings = new Dictionary<string, string?>();
        if (switched)
        {
            settings["Embeddings:Provider"] = "OpenAI";
            settings["Embeddings:Endpoint"] = _endpoint.BaseAddress + "v1";
            settings["Embeddings:Model"] = NewModel;
            settings["Embeddings:Dimensions"] = NewDimensions.ToString(CultureInfo.InvariantCulture);
            if (keepPrevious)
            {
                settings["Embeddings:Previous:Provider"] = "Local";
            }
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddScoped<CurrentTenant>();
        builder.Services.AddScoped<TenantConnectionInterceptor>();
        builder.Services.AddDbContext<BioDbContext>((services, options) =>
        {
            BioDatabase.Configure(options, connectionString);
            options.AddInterceptors(services.GetRequiredService<TenantConnectionInterceptor>());
        });
        builder.AddEmbeddings();
        builder.Services.AddSingleton<EmbeddingBackfill>();
        builder.Services.AddScoped<KnowledgeSearch>();
        return builder.Build();
    }

    private async Task<long> IndexAsync(IHost host, Guid? owner, string text)
    {
        await using var scope = host.Services.CreateAsyncScope();
        if (owner is { } user)
        {
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(user);
        }
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var document = new KnowledgeDocument
        {
            Id = Guid.NewGuid(), ProjectId = owner is null ? null : _project, OwnerId = owner, Title = text[..20], Kind = "text",
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), SizeBytes = text.Length,
            CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        await host.Services.GetRequiredService<KnowledgeIndexer>().IndexAsync(db, document, isNew: true, [new TextSection("", text)], Ct);
        return await db.KnowledgeChunks.Where(c => c.DocumentId == document.Id).Select(c => c.Id).SingleAsync(Ct);
    }

    private async Task<KnowledgeResults> SearchAsync(IHost host, string query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(_user);
        return await scope.ServiceProvider.GetRequiredService<KnowledgeSearch>()
            .SearchAsync(new KnowledgeQuery(query, K: 3, ProjectId: _project, Mode: SearchMode.Vector), Ct);
    }

    private async Task<string[]> ModelsOfAsync(long chunk)
    {
        await using var db = OwnerContext();
        return await db.ChunkEmbeddings.Where(e => e.ChunkId == chunk).Select(e => e.Model).OrderBy(m => m).ToArrayAsync(Ct);
    }

    private async Task<int> CountMissingAsync(string model)
    {
        await using var db = OwnerContext();
        return await db.KnowledgeChunks.CountAsync(c => !db.ChunkEmbeddings.Any(e => e.ChunkId == c.Id && e.Model == model), Ct);
    }

    private BioDbContext OwnerContext()
    {
        var options = new DbContextOptionsBuilder<BioDbContext>();
        BioDatabase.Configure(options, _ownerConnection);
        return new BioDbContext(options.Options);
    }

    // Words hashed into 64 buckets, normalised: texts sharing words are close, as a real model would have them.
    private static float[] HashedWords(string text)
    {
        var vector = new float[NewDimensions];
        foreach (var word in text.ToLowerInvariant().Split(' ', ',', '.', '?', ':').Where(w => w.Length > 2))
        {
            vector[BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(word))) % NewDimensions] += 1;
        }
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => norm == 0 ? 0 : v / norm)];
    }

    public async ValueTask DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", "postgres");
    }

    private async Task AdminAsync(string sql, string database)
    {
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = database, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
