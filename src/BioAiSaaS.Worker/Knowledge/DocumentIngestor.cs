using System.Diagnostics;
using System.Diagnostics.Metrics;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Worker.Knowledge;

/// <summary>
/// Turns pending documents into searchable chunks: claim one (a row lock in PostgreSQL, so workers never share a
/// document), extract its text, cut it into passages, and hand them to the <see cref="KnowledgeIndexer"/>. A worker that dies mid-way leaves the document processing; after
/// <see cref="KnowledgeLimits.ProcessingLease"/> another worker takes it again, up to <see cref="KnowledgeLimits.MaxAttempts"/>.
/// </summary>
public sealed class DocumentIngestor(IServiceScopeFactory scopes, ILogger<DocumentIngestor> logger) : BackgroundService
{
    private static readonly Meter Meter = new("BioAiSaaS.Worker");
    private static readonly Counter<long> Chunks = Meter.CreateCounter<long>("bioaisaas.knowledge.chunks_ingested");
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool worked;
            try
            {
                worked = await IngestNextAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL unreachable and the like: the document stays claimable; try again shortly.
                logger.LogWarning(e, "Document ingestion failed to run; retrying");
                worked = false;
            }
            if (!worked)
            {
                await Task.Delay(IdlePoll, stoppingToken);
            }
        }
    }

    /// <summary>Ingests one document if one is waiting; false when there was none.</summary>
    public async Task<bool> IngestNextAsync(CancellationToken cancellationToken)
    {
        Guid documentId, ownerId;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            // SECURITY DEFINER: the only way the worker's login sees documents before it knows whose they are.
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var claim = new NpgsqlCommand("SELECT id, owner_id FROM claim_knowledge_document($1, $2)", connection)
            {
                Parameters = { new() { Value = KnowledgeLimits.ProcessingLease }, new() { Value = KnowledgeLimits.MaxAttempts } },
            };
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }
            var next = (Id: reader.GetGuid(0), OwnerId: reader.GetGuid(1));
            (documentId, ownerId) = (next.Id, next.OwnerId);
        }

        await using var work = scopes.CreateTenantScope(ownerId);
        var context = work.ServiceProvider.GetRequiredService<BioDbContext>();
        var indexer = work.ServiceProvider.GetRequiredService<KnowledgeIndexer>();
        var document = await context.KnowledgeDocuments.AsNoTracking().SingleAsync(d => d.Id == documentId, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var content = await context.DocumentContents.AsNoTracking().SingleAsync(c => c.DocumentId == documentId, cancellationToken);
            var passages = Chunker.Split(DocumentText.Extract(document.Kind, content.Content)).ToList();
            var stored = await indexer.IndexAsync(context, document, isNew: false, passages, cancellationToken);
            Chunks.Add(stored);
            logger.LogInformation("Document {DocumentId} ingested: {Chunks} chunks in {Elapsed} ms", documentId, stored,
                stopwatch.ElapsedMilliseconds);
        }
        catch (UnreadableDocumentException unreadable)
        {
            context.ChangeTracker.Clear();
            await context.KnowledgeDocuments.Where(d => d.Id == documentId).ExecuteUpdateAsync(d => d
                .SetProperty(x => x.Status, DocumentStatus.Failed)
                .SetProperty(x => x.FailureReason, unreadable.Message.Length > 1000 ? unreadable.Message[..1000] : unreadable.Message)
                .SetProperty(x => x.UpdatedAt, DateTimeOffset.UtcNow), cancellationToken);
            logger.LogInformation("Document {DocumentId} failed: {Reason}", documentId, unreadable.Message);
        }
        return true;
    }
}
