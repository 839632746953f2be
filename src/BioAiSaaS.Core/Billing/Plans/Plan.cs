namespace BioAiSaaS.Core.Billing.Plans;

/// <summary>
/// A subscription plan, as data (table <c>plans</c>, seeded by the Billing migration, readable by everyone). Prices
/// and limits are per calendar month of subscription; usage beyond the included amounts is charged by the
/// <see cref="OverageRateCard"/>.
/// </summary>
public sealed class Plan
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public long MonthlyPriceFen { get; init; }
    public long IncludedTokens { get; init; }
    public int IncludedSandboxMinutes { get; init; }
    public int ConcurrentRunLimit { get; init; }
    /// <summary>The most one run may cost.</summary>
    public long MaxRunBudgetFen { get; init; }
    /// <summary>How far below zero the wallet may go (a plan that grants credit); 0 means prepaid only.</summary>
    public long CreditLimitFen { get; init; }
    /// <summary>The rate card (by name) that prices usage beyond the included amounts.</summary>
    public required string OverageRateCard { get; init; }
    /// <summary>Display order, cheapest first.</summary>
    public int Rank { get; init; }
}

public static class PlanCodes
{
    public const string Free = "free";
    public const string Pro = "pro";
    public const string Team = "team";
    public const string Enterprise = "enterprise";
}

/// <summary>The plans the Billing migration seeds (docs/decisions/0008-billing-ledger.md explains the figures).</summary>
public static class SeedPlans
{
    public static Plan[] All() =>
    [
        new() { Code = PlanCodes.Free, Name = "Free", MonthlyPriceFen = 0, IncludedTokens = 200_000, IncludedSandboxMinutes = 60,
            ConcurrentRunLimit = 1, MaxRunBudgetFen = 1_000, CreditLimitFen = 0, OverageRateCard = RateCards.RateCardNames.Standard, Rank = 0 },
        new() { Code = PlanCodes.Pro, Name = "Pro", MonthlyPriceFen = 9_900, IncludedTokens = 5_000_000, IncludedSandboxMinutes = 600,
            ConcurrentRunLimit = 3, MaxRunBudgetFen = 10_000, CreditLimitFen = 0, OverageRateCard = RateCards.RateCardNames.Standard, Rank = 1 },
        new() { Code = PlanCodes.Team, Name = "Team", MonthlyPriceFen = 49_900, IncludedTokens = 30_000_000, IncludedSandboxMinutes = 3_000,
            ConcurrentRunLimit = 10, MaxRunBudgetFen = 50_000, CreditLimitFen = 0, OverageRateCard = RateCards.RateCardNames.Standard, Rank = 2 },
        new() { Code = PlanCodes.Enterprise, Name = "Enterprise", MonthlyPriceFen = 299_900, IncludedTokens = 200_000_000,
            IncludedSandboxMinutes = 20_000, ConcurrentRunLimit = 50, MaxRunBudgetFen = 500_000, CreditLimitFen = 1_000_000,
            OverageRateCard = RateCards.RateCardNames.Standard, Rank = 3 },
    ];
}
