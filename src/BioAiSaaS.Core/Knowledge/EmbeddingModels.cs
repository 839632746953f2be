using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>A model that embeds knowledge: the name recorded with its vectors, their size, and its generator.</summary>
public sealed record EmbeddingModel(string Name, int Dimensions, IEmbeddingGenerator<string, Embedding<float>> Generator);

/// <summary>
/// The configured model and, while a switch is under way, the one it replaces (<c>Embeddings:Previous</c>). New
/// passages are embedded by both, so whichever serves searches sees them; the backfill gives the current model the
/// vectors it lacks, and searches move to it once it has them all (<see cref="EmbeddingCoverage"/>).
/// </summary>
public sealed class EmbeddingModels(EmbeddingModel current, EmbeddingModel? previous = null)
{
    public EmbeddingModel Current { get; } = current;
    public EmbeddingModel? Previous { get; } = previous;

    /// <summary>Every model new passages are embedded with.</summary>
    public IReadOnlyList<EmbeddingModel> All { get; } = previous is null ? [current] : [current, previous];
}
