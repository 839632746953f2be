namespace BioAiSaaS.Core.Knowledge;

public enum DocumentStatus
{
    Pending,
    Processing,
    Ready,
    Failed,
}

/// <summary>
/// A source of knowledge: a file uploaded to a project, or an entry of the built-in library (no project, no
/// owner, visible to everyone). Its chunks are what search returns.
/// </summary>
public sealed class KnowledgeDocument
{
    public Guid Id { get; init; }
    /// <summary>Null for the built-in library.</summary>
    public Guid? ProjectId { get; init; }
    /// <summary>Null for the built-in library; otherwise the project's owner (what row-level security checks).</summary>
    public Guid? OwnerId { get; init; }
    public required string Title { get; set; }
    /// <summary>text, markdown, pdf, csv, tsv, fasta, genbank, tool, know-how …</summary>
    public required string Kind { get; init; }
    /// <summary>SHA-256 of the content (hex): the same content uploaded again to a project is not stored twice.</summary>
    public required string ContentHash { get; init; }
    public long SizeBytes { get; init; }
    public DocumentStatus Status { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>Where the text comes from (a URL, a citation, "BioAiSaaS team").</summary>
    public string? Source { get; init; }
    public string? Licence { get; init; }
    /// <summary>False where the licence forbids commercial use: "commercial mode" hides those.</summary>
    public bool CommercialUse { get; init; } = true;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Ingestion attempts: a document that keeps crashing its worker fails for good after a few.</summary>
    public int Attempts { get; set; }
}

/// <summary>The uploaded bytes, kept apart from the document row so listings never load them.</summary>
public sealed class DocumentContent
{
    public Guid DocumentId { get; init; }
    public Guid? OwnerId { get; init; }
    public required byte[] Content { get; init; }
}

/// <summary>A passage of a document, the unit of search. Its full-text vector is a generated column.</summary>
public sealed class KnowledgeChunk
{
    public long Id { get; init; }
    public Guid DocumentId { get; init; }
    public Guid? ProjectId { get; init; }
    public Guid? OwnerId { get; init; }
    public int Ordinal { get; init; }
    /// <summary>Where in the document: "page 3", "section Methods", "record NM_007294.4".</summary>
    public string? Location { get; init; }
    public required string Text { get; init; }
}

/// <summary>
/// One model's vector for a chunk. Several models may coexist while a model switch re-embeds in the background:
/// the column has no fixed dimension, and each model gets its own partial HNSW index over a cast to its size.
/// </summary>
public sealed class ChunkEmbedding
{
    public long ChunkId { get; init; }
    /// <summary>Copied from the chunk so a vector search filters (and row-level security checks) without a join.</summary>
    public Guid? ProjectId { get; init; }
    public Guid? OwnerId { get; init; }
    public required string Model { get; init; }
    public required Pgvector.Vector Embedding { get; init; }
}
