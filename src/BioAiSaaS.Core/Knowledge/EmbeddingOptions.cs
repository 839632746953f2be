using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Core.Knowledge;

public enum EmbeddingProvider
{
    /// <summary>all-MiniLM-L6-v2 in process (ONNX, 384 dimensions): works offline, costs nothing per call.</summary>
    Local,
    /// <summary>Any OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, Azure OpenAI, Ollama, vLLM …).</summary>
    OpenAI,
}

/// <summary>Which model embeds knowledge, bound from the <c>Embeddings</c> section and validated at start-up.</summary>
public sealed class EmbeddingOptions : IValidatableObject
{
    public const string Section = "Embeddings";

    public EmbeddingProvider Provider { get; set; } = EmbeddingProvider.Local;

    /// <summary>The model's name as the endpoint knows it; recorded with every chunk it embeds.</summary>
    public string Model { get; set; } = LocalEmbeddingGenerator.ModelName;

    /// <summary>Vector size. The local model's is fixed; an endpoint's must match what the model returns. pgvector's
    /// HNSW index takes at most 2,000 dimensions.</summary>
    [Range(1, 2_000)] public int Dimensions { get; set; } = LocalEmbeddingGenerator.ModelDimensions;

    public Uri? Endpoint { get; set; }

    /// <summary>A secret: from user-secrets or the environment, never from a file in the repository.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// During a model switch, the model being replaced (<c>Embeddings:Previous</c>, same keys): it keeps answering
    /// searches until the current model has a vector for every passage. Remove it once the switch is complete.
    /// </summary>
    public EmbeddingOptions? Previous { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Previous is not null)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(Previous, new ValidationContext(Previous), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult("Previous: " + result.ErrorMessage, [nameof(Previous)]);
            }
            if (Previous.Previous is not null || Previous.Model == Model)
            {
                yield return new ValidationResult("Embeddings:Previous names one other model (and no previous of its own).",
                    [nameof(Previous)]);
            }
        }
        if (Provider == EmbeddingProvider.Local
            && (Model != LocalEmbeddingGenerator.ModelName || Dimensions != LocalEmbeddingGenerator.ModelDimensions))
        {
            yield return new ValidationResult(
                $"The local provider is {LocalEmbeddingGenerator.ModelName} with {LocalEmbeddingGenerator.ModelDimensions} dimensions.",
                [nameof(Model), nameof(Dimensions)]);
        }
        if (Provider == EmbeddingProvider.OpenAI && (Endpoint is null || string.IsNullOrWhiteSpace(Model)))
        {
            yield return new ValidationResult("The OpenAI provider needs Embeddings:Endpoint and Embeddings:Model.",
                [nameof(Endpoint), nameof(Model)]);
        }
    }
}
