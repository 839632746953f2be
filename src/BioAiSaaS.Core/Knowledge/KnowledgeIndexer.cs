using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// Makes a document searchable: embeds its passages in batches with every configured model (two during a switch)
/// and writes chunks, vectors and the document's <c>ready</c> status in one transaction. Shared by the Worker's
/// ingestion and the library seeding.
/// </summary>
public sealed class KnowledgeIndexer(EmbeddingModels models)
{
    /// <summary>
    /// Indexes <paramref name="passages"/> of <paramref name="document"/> through <paramref name="db"/>; with
    /// <paramref name="isNew"/> the document row is inserted here (the library), otherwise it exists and is marked ready.
    /// Returns the number of chunks stored. <paramref name="cancellationToken"/> stops it before the commit.
    /// </summary>
    public async Task<int> IndexAsync(BioDbContext db, KnowledgeDocument document, bool isNew, IReadOnlyList<TextSection> passages,
        CancellationToken cancellationToken)
    {
        if (passages.Count == 0)
        {
            throw new UnreadableDocumentException("The document has no text.");
        }
        var vectors = new List<(string Model, List<ReadOnlyMemory<float>> Vectors)>();
        foreach (var model in models.All)
        {
            // The model's name is the one the search statement selects its partial index by.
            vectors.Add((model.Name, await EmbedAsync(model, passages.Select(p => p.Text).ToList(), cancellationToken)));
        }

        // The retrying strategy replays the whole unit; a retry (or a re-ingestion after a crash) starts clean.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (isNew)
            {
                document.Status = DocumentStatus.Ready;
                db.KnowledgeDocuments.Add(document);
            }
            else
            {
                await db.KnowledgeChunks.Where(c => c.DocumentId == document.Id).ExecuteDeleteAsync(ct);
            }
            var chunks = passages.Select((p, i) => new KnowledgeChunk
            {
                DocumentId = document.Id, ProjectId = document.ProjectId, OwnerId = document.OwnerId, Ordinal = i,
                Location = p.Location.Length > 200 ? p.Location[..200] : p.Location, Text = p.Text,
            }).ToList();
            db.KnowledgeChunks.AddRange(chunks);
            await db.SaveChangesAsync(ct);
            db.ChunkEmbeddings.AddRange(vectors.SelectMany(m => chunks.Select((c, i) => new ChunkEmbedding
            {
                ChunkId = c.Id, ProjectId = c.ProjectId, OwnerId = c.OwnerId, Model = m.Model, Embedding = new Pgvector.Vector(m.Vectors[i]),
            })));
            await db.SaveChangesAsync(ct);
            if (!isNew)
            {
                await db.KnowledgeDocuments.Where(d => d.Id == document.Id).ExecuteUpdateAsync(d => d
                    .SetProperty(x => x.Status, DocumentStatus.Ready)
                    .SetProperty(x => x.FailureReason, (string?)null)
                    .SetProperty(x => x.UpdatedAt, DateTimeOffset.UtcNow), ct);
            }
            await transaction.CommitAsync(ct);
            return chunks.Count;
        }, cancellationToken);
    }

    /// <summary>The vectors of <paramref name="texts"/> by <paramref name="model"/>, in order, in batches.</summary>
    public static async Task<List<ReadOnlyMemory<float>>> EmbedAsync(EmbeddingModel model, IReadOnlyList<string> texts,
        CancellationToken cancellationToken)
    {
        var vectors = new List<ReadOnlyMemory<float>>(texts.Count);
        foreach (var batch in texts.Chunk(KnowledgeLimits.EmbeddingBatchSize))
        {
            var embeddings = await model.Generator.GenerateAsync(batch, cancellationToken: cancellationToken);
            if (embeddings.Count != batch.Length || embeddings.Any(e => e.Vector.Length != model.Dimensions))
            {
                // A misconfigured endpoint (wrong Dimensions, a truncated answer) must not store vectors the index
                // cannot cast: fail the document with a reason instead.
                throw new InvalidOperationException(
                    $"The embedding model {model.Name} returned {embeddings.Count} vectors of {embeddings.FirstOrDefault()?.Vector.Length} dimensions for {batch.Length} texts; {model.Dimensions} are configured.");
            }
            vectors.AddRange(embeddings.Select(e => e.Vector));
        }
        return vectors;
    }
}
