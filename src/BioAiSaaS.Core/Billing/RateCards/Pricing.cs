namespace BioAiSaaS.Core.Billing.RateCards;

/// <summary>
/// What was used, in the units usage is metered in. <paramref name="InputTokens"/> includes the cached ones, as
/// Microsoft.Extensions.AI reports them (<c>InputTokenCount</c> ⊇ <c>CachedInputTokenCount</c>); sandbox time is
/// whole milliseconds.
/// </summary>
public sealed record UsageQuantities(long InputTokens = 0, long CachedInputTokens = 0, long OutputTokens = 0, long SandboxMilliseconds = 0);

/// <summary>A charge in fen, by component. Each component is rounded on its own and <see cref="TotalFen"/> is their
/// sum, so the lines of an invoice always add up to its total.</summary>
public sealed record Charge(long InputFen, long CachedInputFen, long OutputFen, long SandboxFen)
{
    public long TotalFen => InputFen + CachedInputFen + OutputFen + SandboxFen;
}

/// <summary>Prices usage with integer arithmetic only: quantity × rate ÷ unit, rounded half-up (<see cref="Money.Charge"/>).</summary>
public static class Pricing
{
    public const long TokensPerPriceUnit = 1_000_000;
    public const long MillisecondsPerMinute = 60_000;

    public static Charge Charge(UsageQuantities usage, RateCardPrice prices)
    {
        if (usage.InputTokens < 0 || usage.CachedInputTokens < 0 || usage.OutputTokens < 0 || usage.SandboxMilliseconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(usage), "Usage quantities are never negative.");
        }
        // Cached tokens are a part of the input billed at their own (lower) price; never more than the input.
        var cached = Math.Min(usage.CachedInputTokens, usage.InputTokens);
        return new Charge(
            Money.Charge(usage.InputTokens - cached, prices.InputFenPerMillion, TokensPerPriceUnit),
            Money.Charge(cached, prices.CachedInputFenPerMillion, TokensPerPriceUnit),
            Money.Charge(usage.OutputTokens, prices.OutputFenPerMillion, TokensPerPriceUnit),
            Money.Charge(usage.SandboxMilliseconds, prices.SandboxFenPerMinute, MillisecondsPerMinute));
    }
}
