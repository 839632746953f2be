using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// After a model switch, gives the current model a vector for every ready passage that lacks one, a batch at a
/// time, writing each as its owner (row-level security applies), then records the model complete so searches move
/// to it (<see cref="EmbeddingCoverage"/>). Idempotent: a vector that appeared meanwhile is left as it is, and a
/// passage deleted meanwhile is skipped. The Worker runs it for projects' passages; the migration service, as the
/// database owner, for the built-in library.
/// </summary>
public sealed partial class EmbeddingBackfill(EmbeddingModels models, EmbeddingCoverage coverage, IServiceScopeFactory scopes,
    ILogger<EmbeddingBackfill> logger)
{
    public const int BatchSize = 64;

    /// <summary>Runs batches until none is left in <paramref name="scope"/>; returns how many vectors it stored.</summary>
    public async Task<int> RunAsync(BackfillScope scope, CancellationToken cancellationToken)
    {
        bool? owned = scope == BackfillScope.Projects;
        var model = models.Current;
        var stored = 0;
        while (await MissingAsync(model.Name, BatchSize, owned, cancellationToken) is { Count: > 0 } batch)
        {
            if (stored == 0)
            {
                await RecordAsync(model, complete: false, cancellationToken);
                LogStarted(logger, model.Name);
            }
            var vectors = await KnowledgeIndexer.EmbedAsync(model, batch.Select(c => c.Text).ToList(), cancellationToken);
            foreach (var owner in batch.Select((chunk, i) => (chunk, vector: vectors[i])).GroupBy(p => p.chunk.OwnerId))
            {
                await StoreAsync(owner.Key, model.Name, owner.Select(p => (p.chunk.ChunkId, p.vector)).ToList(), cancellationToken);
            }
            stored += batch.Count;
        }
        // Complete only when nothing at all is missing: the projects' and the library's passages.
        if ((await MissingAsync(model.Name, 1, owned: null, cancellationToken)).Count == 0)
        {
            if (await RecordAsync(model, complete: true, cancellationToken))
            {
                coverage.Forget();
                LogCompleted(logger, model.Name, stored);
            }
        }
        return stored;
    }

    private async Task<List<MissingChunk>> MissingAsync(string model, int limit, bool? owned, CancellationToken cancellationToken)
    {
        await using var services = scopes.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<BioDbContext>();
        return await db.Database.SqlQuery<MissingChunk>(
                $"SELECT chunk_id, owner_id, text FROM knowledge_chunks_missing_embedding({model}, {limit}, {owned})")
            .ToListAsync(cancellationToken);
    }

    private async Task StoreAsync(Guid? ownerId, string model, List<(long ChunkId, ReadOnlyMemory<float> Vector)> vectors,
        CancellationToken cancellationToken)
    {
        // The library's passages (no owner) are written by the migration service, as the tables' owner.
        await using var scope = ownerId is { } owner ? scopes.CreateTenantScope(owner) : scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (chunkId, vector) in vectors)
        {
            // Project and owner come from the passage itself; a passage deleted since it was read inserts nothing.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO chunk_embeddings (chunk_id, project_id, owner_id, model, embedding)
                SELECT c.id, c.project_id, c.owner_id, $1, $2 FROM knowledge_chunks c WHERE c.id = $3
                ON CONFLICT DO NOTHING
                """)
            {
                Parameters = { new() { Value = model }, new() { Value = new Pgvector.Vector(vector) }, new() { Value = chunkId } },
            });
        }
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // A passage was deleted between the read and the write: the next round reads afresh.
            await transaction.RollbackAsync(cancellationToken);
        }
    }

    /// <summary>Records whether the model covers every passage; true when that changed the record.</summary>
    private async Task<bool> RecordAsync(EmbeddingModel model, bool complete, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var changed = complete
            ? await db.Database.ExecuteSqlAsync($"""
                INSERT INTO embedding_models (model, dimensions, complete_since) VALUES ({model.Name}, {model.Dimensions}, now())
                ON CONFLICT (model) DO UPDATE SET dimensions = excluded.dimensions, complete_since = now()
                WHERE embedding_models.complete_since IS NULL
                """, cancellationToken)
            : await db.Database.ExecuteSqlAsync($"""
                INSERT INTO embedding_models (model, dimensions, complete_since) VALUES ({model.Name}, {model.Dimensions}, NULL)
                ON CONFLICT (model) DO UPDATE SET dimensions = excluded.dimensions, complete_since = NULL
                """, cancellationToken);
        return changed > 0;
    }

    private sealed record MissingChunk(long ChunkId, Guid? OwnerId, string Text);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedding backfill started: passages lack {Model} vectors")]
    private static partial void LogStarted(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedding backfill complete: every passage has a {Model} vector ({Stored} added); searches use it")]
    private static partial void LogCompleted(ILogger logger, string model, int stored);
}

/// <summary>Whose passages a backfill covers: projects' (the Worker, as each owner) or the built-in library's (the
/// migration service, as the database owner).</summary>
public enum BackfillScope
{
    Projects,
    Library,
}
