using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Runs;

/// <summary>
/// What a run cost: <paramref name="EstimatedFen"/> is its quote at submission (null for a bare code run);
/// <paramref name="MeteredFen"/> its metered usage priced at the rate card's list price (before the plan's included
/// allowance, which may make part of it free on the invoice); <paramref name="ChargedFen"/> what was posted to the wallet
/// for this run itself (an outcome fee, less its refund) — token usage is charged per billing period, on the invoice.
/// </summary>
/// <param name="BillingMode">token-based or outcome-based.</param>
/// <param name="EstimatedFen">The quote at submission.</param>
/// <param name="MeteredFen">Metered usage at list price.</param>
/// <param name="ChargedFen">Posted to the wallet for the run itself.</param>
/// <param name="RateCard">The card that priced <paramref name="MeteredFen"/>.</param>
/// <param name="RateCardVersion">Its version.</param>
public sealed record RunCost(string BillingMode, long? EstimatedFen, long MeteredFen, long ChargedFen, string RateCard, int RateCardVersion);

public static class RunCosts
{
    public static async Task<RunCost?> OfAsync(Run run, BioDbContext db, RateCardCatalog rateCards, CancellationToken cancellationToken)
    {
        if (await rateCards.CurrentAsync(RateCardNames.Standard, DateTimeOffset.UtcNow, cancellationToken) is not { } card)
        {
            return null;
        }
        var usage = await db.UsageEvents.AsNoTracking().Where(u => u.RunId == run.Id)
            .GroupBy(u => new { u.Kind, u.Model })
            .Select(g => new { g.Key.Kind, g.Key.Model, Quantity = g.Sum(u => u.Quantity) })
            .ToListAsync(cancellationToken);
        long Of(string? model, string kind) => (long)usage.Where(u => u.Model == model && u.Kind == kind).Sum(u => u.Quantity);
        var metered = usage.Where(u => u.Kind != UsageKinds.SandboxSeconds).Select(u => u.Model).Distinct()
            .Sum(model => Pricing.Charge(new UsageQuantities(Of(model, UsageKinds.LlmInputTokens), Of(model, UsageKinds.LlmCachedTokens),
                Of(model, UsageKinds.LlmOutputTokens)), card.PricesFor(model)).TotalFen);
        var sandboxMs = (long)(usage.Where(u => u.Kind == UsageKinds.SandboxSeconds).Sum(u => u.Quantity) * 1000m);
        metered += Pricing.Charge(new UsageQuantities(SandboxMilliseconds: sandboxMs), card.PricesFor(null)).TotalFen;

        var charge = await db.RunCharges.AsNoTracking().FirstOrDefaultAsync(c => c.RunId == run.Id, cancellationToken);
        var wallet = LedgerAccounts.Wallet(run.OwnerId);
        var charged = await db.JournalLines.AsNoTracking()
            .Where(l => l.Account == wallet && db.JournalEntries.Any(e => e.Id == l.EntryId && e.RunId == run.Id))
            .SumAsync(l => l.AmountFen, cancellationToken);
        return new RunCost(run.BillingMode, charge?.QuoteFen, metered, charged, card.Name, card.Version);
    }
}
