using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// Makes a document searchable: embeds its passages in batches with the configured model and writes chunks, vectors
/// and the document's <c>ready</c> status in one transaction. Shared by the Worker's ingestion and the library seeding.
/// </summary>
public sealed class KnowledgeIndexer(IEmbeddingGenerator<string, Embedding<float>> embeddings, IOptions<EmbeddingOptions> options)
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
        var vectors = new List<ReadOnlyMemory<float>>(passages.Count);
        foreach (var batch in passages.Chunk(KnowledgeLimits.EmbeddingBatchSize))
        {
            vectors.AddRange((await embeddings.GenerateAsync(batch.Select(p => p.Text), cancellationToken: cancellationToken))
                .Select(e => e.Vector));
        }
        // The same name the search statement selects its partial index by.
        var model = options.Value.Model;

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
            db.ChunkEmbeddings.AddRange(chunks.Select((c, i) => new ChunkEmbedding
            {
                ChunkId = c.Id, ProjectId = c.ProjectId, OwnerId = c.OwnerId, Model = model, Embedding = new Pgvector.Vector(vectors[i]),
            }));
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
}
