namespace BioAiSaaS.Core.Billing.RateCards;

/// <summary>
/// One version of a named price list (table <c>rate_cards</c>). Versions never change once in effect: a new price is a
/// new version with a later <see cref="EffectiveFrom"/>, and every charge records the version it used.
/// </summary>
public sealed class RateCard
{
    public int Id { get; init; }
    public required string Name { get; init; }
    public int Version { get; init; }
    public DateTimeOffset EffectiveFrom { get; init; }
    public List<RateCardPrice> Prices { get; init; } = [];

    /// <summary>The prices for <paramref name="model"/>, else the card's default (<see cref="RateCardPrice.AnyModel"/>).</summary>
    public RateCardPrice PricesFor(string? model) =>
        Prices.FirstOrDefault(p => model is not null && p.Model == model)
        ?? Prices.FirstOrDefault(p => p.Model == RateCardPrice.AnyModel)
        ?? throw new InvalidOperationException($"Rate card {Name} v{Version} has no price for '{model}' and no default.");
}

/// <summary>
/// Prices of one model on a rate card (table <c>rate_card_prices</c>): fen per million tokens, so sub-fen prices per
/// token stay whole numbers, and fen per sandbox minute.
/// </summary>
public sealed class RateCardPrice
{
    /// <summary>The row that prices every model the card does not name.</summary>
    public const string AnyModel = "*";

    public int RateCardId { get; init; }
    public required string Model { get; init; }
    public long InputFenPerMillion { get; init; }
    public long CachedInputFenPerMillion { get; init; }
    public long OutputFenPerMillion { get; init; }
    public long SandboxFenPerMinute { get; init; }
}

public static class RateCardNames
{
    /// <summary>The card usage events name today (<see cref="Runs.UsageRecorder.StandardRateCard"/>).</summary>
    public const string Standard = Runs.UsageRecorder.StandardRateCard;
}
