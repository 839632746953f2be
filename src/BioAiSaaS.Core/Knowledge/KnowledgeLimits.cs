namespace BioAiSaaS.Core.Knowledge;

/// <summary>Limits the Api enforces on uploads and the Worker on ingestion.</summary>
public static class KnowledgeLimits
{
    public const long MaxUploadBytes = 20L << 20;
    /// <summary>A document that crashed this many workers fails for good.</summary>
    public const int MaxAttempts = 3;
    /// <summary>After this long in processing without an update, a document is taken to have lost its worker.</summary>
    public static readonly TimeSpan ProcessingLease = TimeSpan.FromMinutes(5);
    public const int EmbeddingBatchSize = 64;
}
