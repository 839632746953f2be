using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.RateCards;

/// <summary>
/// Finds the version of a rate card in effect at a moment. A card's versions are read once per scope (a request, or one
/// user's round of usage billing, which prices hundreds of events): cards are written only by migrations, never changed.
/// </summary>
public sealed class RateCardCatalog(BioDbContext db)
{
    private readonly Dictionary<string, List<RateCard>> _versions = new(StringComparer.Ordinal);

    /// <summary>The newest version of <paramref name="name"/> whose <c>effective_from</c> is at or before <paramref name="at"/>; null if none.</summary>
    public async Task<RateCard?> CurrentAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!_versions.TryGetValue(name, out var versions))
        {
            _versions[name] = versions = await db.Set<RateCard>().AsNoTracking().Include(c => c.Prices)
                .Where(c => c.Name == name)
                .OrderByDescending(c => c.EffectiveFrom).ThenByDescending(c => c.Version)
                .ToListAsync(cancellationToken);
        }
        return versions.FirstOrDefault(c => c.EffectiveFrom <= at);
    }
}

/// <summary>The first standard card, seeded by the Billing migration: ¥0.15 per 1,000 tokens in and out (15,000 fen per 1M),
/// cached input at a quarter of that (3,750), sandbox time 10 fen a minute.</summary>
public static class SeedRateCards
{
    public const int StandardV1Id = 1;
    public static readonly DateTimeOffset StandardV1EffectiveFrom = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static RateCard StandardV1() => new()
    {
        Id = StandardV1Id, Name = RateCardNames.Standard, Version = 1, EffectiveFrom = StandardV1EffectiveFrom,
    };

    public static RateCardPrice StandardV1Default() => new()
    {
        RateCardId = StandardV1Id, Model = RateCardPrice.AnyModel, InputFenPerMillion = 15_000, CachedInputFenPerMillion = 3_750,
        OutputFenPerMillion = 15_000, SandboxFenPerMinute = 10,
    };
}
