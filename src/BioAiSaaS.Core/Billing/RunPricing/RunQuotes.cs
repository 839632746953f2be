using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Runs;

namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>
/// A price for a run before it starts. <see cref="AmountFen"/> is what the wallet may be charged (outcome fee, or the
/// budget's price beyond the plan's included allowance left this period); <see cref="ListFen"/> is the same at list
/// price, the figure the plan's max run budget limits. <see cref="MaxTokens"/> is the token budget the run gets.
/// </summary>
public sealed record Quote(long AmountFen, long ListFen, string Basis, string BillingMode, string? TemplateCode, string? RateCard,
    int? RateCardVersion, long? MaxTokens, int? MaxSeconds);

/// <summary>The plan's included amounts not yet used in the current period.</summary>
public sealed record IncludedLeft(long Tokens, long SandboxMilliseconds);

/// <summary>Prices runs before they start, in integer fen only (<see cref="Money"/>).</summary>
public static class RunQuotes
{
    public const string OutcomeBasis = "outcome";
    public const string BudgetBasis = "budget";
    public const string PlanBudgetBasis = "plan-max-run-budget";

    /// <summary>
    /// A token's price for a budget: a budget counts input and output tokens together, so each is priced at the dearer
    /// of the two (a quote must not be below what the run may cost). Cached input is cheaper and left aside.
    /// </summary>
    public static long FenPerMillionTokens(RateCardPrice prices) => Math.Max(prices.InputFenPerMillion, prices.OutputFenPerMillion);

    /// <summary>The largest token budget whose list price fits in <paramref name="budgetFen"/>.</summary>
    public static long TokensFor(long budgetFen, RateCardPrice prices)
    {
        var rate = FenPerMillionTokens(prices);
        if (rate <= 0)
        {
            return RunSettings.MaxTokenBudget;
        }
        var tokens = (Int128)budgetFen * Pricing.TokensPerPriceUnit / rate;
        return tokens > RunSettings.MaxTokenBudget ? RunSettings.MaxTokenBudget : (long)tokens;
    }

    /// <summary>An outcome-priced template: its fixed fee, whatever the run uses.</summary>
    public static Quote ForOutcome(TaskTemplate template, long? maxTokens, int? maxSeconds) =>
        new(template.PriceFen, template.PriceFen, OutcomeBasis, BillingModes.OutcomeBased, template.Code, null, null, maxTokens, maxSeconds);

    /// <summary>
    /// A token budget priced with <paramref name="card"/>: tokens at <see cref="FenPerMillionTokens"/>, sandbox time at the
    /// card's minute price, each rounded half-up on its own; the amount charged leaves out what <paramref name="included"/>
    /// still covers. Without <paramref name="maxTokens"/> the run gets the plan's max run budget in tokens.
    /// </summary>
    public static Quote ForBudget(Plan plan, RateCard card, IncludedLeft included, long? maxTokens, int? maxSeconds, string? templateCode)
    {
        var prices = card.PricesFor(null);
        var basis = maxTokens is null ? PlanBudgetBasis : BudgetBasis;
        var tokens = maxTokens ?? TokensFor(plan.MaxRunBudgetFen, prices);
        var sandboxMs = (long)(maxSeconds ?? 0) * 1000;
        var rate = FenPerMillionTokens(prices);
        var list = Money.Charge(tokens, rate, Pricing.TokensPerPriceUnit)
            + Money.Charge(sandboxMs, prices.SandboxFenPerMinute, Pricing.MillisecondsPerMinute);
        var amount = Money.Charge(Math.Max(0, tokens - included.Tokens), rate, Pricing.TokensPerPriceUnit)
            + Money.Charge(Math.Max(0, sandboxMs - included.SandboxMilliseconds), prices.SandboxFenPerMinute, Pricing.MillisecondsPerMinute);
        return new Quote(amount, list, basis, BillingModes.TokenBased, templateCode, card.Name, card.Version, tokens, maxSeconds);
    }
}
