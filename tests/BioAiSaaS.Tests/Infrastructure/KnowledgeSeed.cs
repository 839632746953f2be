using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Projects;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// Knowledge written straight into the stack's database as its owner (what the ingestion will do), with real MiniLM
/// embeddings: the data the search tests read back through the application's login and API.
/// </summary>
public static class KnowledgeSeed
{
    public static readonly LocalEmbeddingGenerator Embeddings = new();
    public static readonly EmbeddingModels Models = new(
        new EmbeddingModel(LocalEmbeddingGenerator.ModelName, LocalEmbeddingGenerator.ModelDimensions, Embeddings));
    public static readonly EmbeddingCoverage Coverage = new(Models, TimeProvider.System);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Guid> NewUserAsync(StackFixture stack) => (await AccountsClient.CreateVerifiedUserAsync(stack, "kb")).Id;

    /// <summary>A new user with a project holding one document per passage; the chunk ids in passage order.</summary>
    public static async Task<(Guid User, Guid Project, long[] Chunks)> ProjectAsync(StackFixture stack, string[] passages)
    {
        var user = await NewUserAsync(stack);
        var project = new Project { Id = Guid.NewGuid(), OwnerId = user, Name = "BRCA review", CreatedAt = DateTimeOffset.UtcNow };
        await using (var db = stack.CreateDbContext())
        {
            db.Projects.Add(project);
            await db.SaveChangesAsync(Ct);
        }
        var chunks = new List<long>();
        foreach (var passage in passages)
        {
            chunks.Add(await DocumentAsync(stack, project.Id, user, passage, commercialUse: true));
        }
        return (user, project.Id, [.. chunks]);
    }

    /// <summary>One ready document with one chunk and its MiniLM embedding, written as the database owner.</summary>
    public static async Task<long> DocumentAsync(StackFixture stack, Guid? project, Guid? owner, string text, bool commercialUse)
    {
        await using var db = stack.CreateDbContext();
        var document = new KnowledgeDocument
        {
            Id = Guid.NewGuid(), ProjectId = project, OwnerId = owner, Title = text[..Math.Min(40, text.Length)], Kind = "text",
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text + Guid.NewGuid()))),
            SizeBytes = text.Length, Status = DocumentStatus.Ready, CommercialUse = commercialUse,
            Licence = commercialUse ? "CC-BY-4.0" : "CC-BY-NC-4.0", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        var chunk = new KnowledgeChunk { DocumentId = document.Id, ProjectId = project, OwnerId = owner, Ordinal = 0, Text = text };
        db.KnowledgeDocuments.Add(document);
        db.KnowledgeChunks.Add(chunk);
        await db.SaveChangesAsync(Ct);
        var vector = (await Embeddings.GenerateAsync([text], cancellationToken: Ct))[0].Vector;
        db.ChunkEmbeddings.Add(new ChunkEmbedding
        {
            ChunkId = chunk.Id, ProjectId = project, OwnerId = owner, Model = LocalEmbeddingGenerator.ModelName,
            Embedding = new Pgvector.Vector(vector),
        });
        await db.SaveChangesAsync(Ct);
        return chunk.Id;
    }
}
