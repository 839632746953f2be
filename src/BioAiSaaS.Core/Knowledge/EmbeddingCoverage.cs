using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>Whether a model has a vector for every ready passage: the backfill records it, searches read it.</summary>
public sealed class EmbeddingModelState
{
    public required string Model { get; init; }
    public int Dimensions { get; set; }
    /// <summary>When the backfill last found no passage without this model's vector; null while it is catching up.</summary>
    public DateTimeOffset? CompleteSince { get; set; }
}

/// <summary>
/// Chooses the model that answers searches: the current one, unless a switch is under way (a previous model is
/// configured) and the current one still lacks vectors, in which case the previous one keeps serving, so a switch
/// never leaves searches with half an index. The answer is cached briefly: it changes once per switch.
/// </summary>
public sealed class EmbeddingCoverage(EmbeddingModels models, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private volatile Answer? _cached;

    public EmbeddingModels Models => models;

    public async ValueTask<EmbeddingModel> ServingAsync(BioDbContext db, CancellationToken cancellationToken)
    {
        if (models.Previous is null)
        {
            return models.Current;
        }
        if (_cached is { } cached && time.GetUtcNow() - cached.At < CacheFor)
        {
            return cached.Model;
        }
        var complete = await db.EmbeddingModelStates.AsNoTracking()
            .AnyAsync(s => s.Model == models.Current.Name && s.CompleteSince != null, cancellationToken);
        var serving = complete ? models.Current : models.Previous;
        _cached = new Answer(serving, time.GetUtcNow());
        return serving;
    }

    private sealed record Answer(EmbeddingModel Model, DateTimeOffset At);

    /// <summary>Drops the cached answer (the backfill calls it when it completes in this process).</summary>
    public void Forget() => _cached = null;
}
