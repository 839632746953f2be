using BioAiSaaS.Core.Billing.RateCards;

namespace BioAiSaaS.Core.Billing.Cycles;

/// <summary>
/// Exact overage cost in integer parts of a fen. Tokens are priced per 1M (fen × 10⁻⁶ per token) and sandbox time per
/// minute (fen ÷ 60,000 per millisecond); 3,000,000 parts a fen is the least unit both are whole multiples of, so
/// every event's cost is exact and rounding happens once, on a period's total.
/// </summary>
public static class UsageCost
{
    public const long PartsPerFen = 3_000_000;
    private const long PartsPerTokenPriceUnit = PartsPerFen / Pricing.TokensPerPriceUnit;
    private const long PartsPerSandboxPriceUnit = PartsPerFen / Pricing.MillisecondsPerMinute;

    public static long Tokens(long tokens, long fenPerMillion) => checked(tokens * fenPerMillion * PartsPerTokenPriceUnit);

    public static long SandboxMs(long milliseconds, long fenPerMinute) => checked(milliseconds * fenPerMinute * PartsPerSandboxPriceUnit);

    /// <summary>Whole fen, half-up.</summary>
    public static long ToFen(long parts) => Money.DivideRounded(parts, PartsPerFen);
}
