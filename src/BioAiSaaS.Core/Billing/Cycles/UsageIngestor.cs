using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.Cycles;

/// <summary>
/// Turns one user's unbilled usage events into charges, in that user's tenant scope. A batch of events is claimed
/// in event order under a per-user advisory lock (one batch per user at a time), counted against the plan's allowance for its period, priced exactly
/// (<see cref="UsageCost"/>) by the version of the event's rate card in effect at its time, posted as the whole-fen
/// difference per item, and marked billed — all in one transaction, so a crash loses nothing and bills nothing twice,
/// and several workers never take the same event.
/// </summary>
public sealed class UsageIngestor(BioDbContext db, Ledger ledger, RateCardCatalog rateCards, SubscriptionService subscriptions)
{
    /// <summary>Ingests up to <paramref name="batchSize"/> events; returns how many were billed (0 when none was left).</summary>
    public async Task<int> IngestAsync(Guid userId, int batchSize, CancellationToken cancellationToken)
    {
        // Creates the subscription on Free if there is none, outside the batch's transaction.
        var subscription = await subscriptions.GetAsync(userId, cancellationToken);
        return await db.InTransactionAsync(async () =>
        {
            // One batch per user at a time, in the order the usage happened: the allowance is used up, and the cached-token
            // discount allocated, in event order, so the charge never depends on which of several workers got there first
            // (a batch skipping ahead of a locked one would price later events against the allowance first).
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"usage-ingestion:" + userId}, 0))", cancellationToken);
            var events = await db.UsageEvents.FromSql($"""
                SELECT * FROM usage_events WHERE owner_id = {userId} AND billed_at IS NULL ORDER BY id LIMIT {batchSize} FOR UPDATE
                """).AsNoTracking().ToListAsync(cancellationToken);
            if (events.Count == 0)
            {
                return 0;
            }
            var batch = new Batch(events[0].Id);
            // An outcome-priced run's usage is what its fixed fee covers (charged only if it succeeds): marked billed,
            // never priced, and not counted against the plan's allowance.
            var runIds = events.Select(e => e.RunId).Distinct().ToList();
            var outcomeRuns = (await db.Runs.AsNoTracking()
                .Where(r => runIds.Contains(r.Id) && r.BillingMode == RunPricing.BillingModes.OutcomeBased).Select(r => r.Id)
                .ToListAsync(cancellationToken)).ToHashSet();
            foreach (var usage in events)
            {
                var period = await PeriodForAsync(batch, subscription, usage.CreatedAt, cancellationToken);
                if (outcomeRuns.Contains(usage.RunId))
                {
                    batch.Assignments.Add((usage.Id, (period.PeriodStart, null)));
                    continue;
                }
                await PriceAsync(batch, period, usage, cancellationToken);
            }
            await PostAsync(batch, userId, cancellationToken);
            // Every event of the batch marked billed in one statement (the batch holds the user's locks meanwhile).
            var ids = batch.Assignments.Select(a => a.EventId).ToArray();
            var periodStarts = batch.Assignments.Select(a => a.Item2.PeriodStart).ToArray();
            var keys = batch.Assignments
                .Select(a => a.Item2.Item is { } item && batch.Keys.TryGetValue((a.Item2.PeriodStart, item), out var posted) ? posted : null)
                .ToArray();
            await db.Database.ExecuteSqlAsync($"""
                UPDATE usage_events u SET billed_at = now(), billing_period_start = a.period_start, journal_key = a.key
                  FROM unnest({ids}::bigint[], {periodStarts}::timestamptz[], {keys}::text[]) AS a(id, period_start, key)
                 WHERE u.id = a.id
                """, cancellationToken);
            foreach (var period in batch.Periods.Values)
            {
                period.UpdatedAt = DatabaseTime.UtcNow();
            }
            await db.SaveChangesAsync(cancellationToken);
            return events.Count;
        }, static billed => billed > 0, cancellationToken);
    }

    /// <summary>Ingests until nothing is left (a period is closed only after its user's usage is in).</summary>
    public async Task<int> IngestAllAsync(Guid userId, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        int count;
        while ((count = await IngestAsync(userId, batchSize, cancellationToken)) > 0)
        {
            total += count;
        }
        return total;
    }

    /// <summary>The open period an event at <paramref name="at"/> counts in: its own, unless that one is already
    /// invoiced, in which case the subscription's current period (late usage is never lost, only billed later).</summary>
    private async Task<UsagePeriod> PeriodForAsync(Batch batch, Subscription subscription, DateTimeOffset at, CancellationToken ct)
    {
        var start = subscription.CurrentPeriodStart;
        while (at >= Proration.PeriodEnd(start))
        {
            start = Proration.PeriodEnd(start);
        }
        while (at < start)
        {
            start = start.AddMonths(-1);
        }
        var period = await LockPeriodAsync(batch, subscription, start, ct);
        return period.ClosedAt is null ? period : await LockPeriodAsync(batch, subscription, subscription.CurrentPeriodStart, ct);
    }

    private async Task<UsagePeriod> LockPeriodAsync(Batch batch, Subscription subscription, DateTimeOffset start, CancellationToken ct)
    {
        if (batch.Periods.TryGetValue(start, out var known))
        {
            return known;
        }
        var plan = await db.Plans.AsNoTracking().SingleAsync(p => p.Code == subscription.PlanCode, ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO usage_periods (user_id, period_start, period_end, plan_code, included_tokens, included_sandbox_ms, tokens_used,
                                       sandbox_ms_used, input_overage_tokens, cached_overage_tokens, updated_at)
            VALUES ({subscription.UserId}, {start}, {Proration.PeriodEnd(start)}, {plan.Code}, {plan.IncludedTokens},
                    {plan.IncludedSandboxMinutes * Pricing.MillisecondsPerMinute}, 0, 0, 0, 0, now())
            ON CONFLICT (user_id, period_start) DO NOTHING
            """, ct);
        // Locked until commit: closing the period waits for this batch, and this batch sees a close that came first.
        var period = (await db.Set<UsagePeriod>().FromSql(
            $"SELECT * FROM usage_periods WHERE user_id = {subscription.UserId} AND period_start = {start} FOR UPDATE").ToListAsync(ct)).Single();
        batch.Periods[start] = period;
        return period;
    }

    private async Task PriceAsync(Batch batch, UsagePeriod period, UsageEvent usage, CancellationToken ct)
    {
        string? item = null;
        RateCard? card = null;
        long parts = 0, overage = 0;
        switch (usage.Kind)
        {
            case UsageKinds.LlmInputTokens or UsageKinds.LlmOutputTokens:
            {
                var tokens = (long)usage.Quantity;
                overage = Overage(tokens, period.IncludedTokens, period.TokensUsed);
                period.TokensUsed += tokens;
                card = await CardAsync(usage, ct);
                var prices = card.PricesFor(usage.Model);
                if (usage.Kind == UsageKinds.LlmInputTokens)
                {
                    period.InputOverageTokens += overage;
                    parts = UsageCost.Tokens(overage, prices.InputFenPerMillion);
                }
                else
                {
                    parts = UsageCost.Tokens(overage, prices.OutputFenPerMillion);
                }
                item = TokensItem(usage.Model);
                break;
            }
            case UsageKinds.LlmCachedTokens:
            {
                // Cached tokens are part of the input already counted; only those billed as overage get the cached
                // discount, never more of them than the overage input so far.
                overage = Math.Min((long)usage.Quantity, period.InputOverageTokens - period.CachedOverageTokens);
                period.CachedOverageTokens += overage;
                card = await CardAsync(usage, ct);
                var prices = card.PricesFor(usage.Model);
                parts = UsageCost.Tokens(overage, prices.CachedInputFenPerMillion - prices.InputFenPerMillion);
                item = TokensItem(usage.Model);
                break;
            }
            case UsageKinds.SandboxSeconds:
            {
                var milliseconds = (long)Math.Round(usage.Quantity * 1000m, MidpointRounding.AwayFromZero);
                overage = Overage(milliseconds, period.IncludedSandboxMs, period.SandboxMsUsed);
                period.SandboxMsUsed += milliseconds;
                card = await CardAsync(usage, ct);
                parts = UsageCost.SandboxMs(overage, card.PricesFor(usage.Model).SandboxFenPerMinute);
                item = SandboxItem;
                break;
            }
        }
        // Cache hits (no model was called) and kinds billing does not price are marked billed with no charge.
        if (item is not null && overage != 0)
        {
            var line = await LockItemAsync(batch, period, item, ct);
            line.CostParts += parts;
            if (usage.Kind != UsageKinds.LlmCachedTokens)
            {
                line.OverageQuantity += overage;
            }
            batch.Cards[(period.PeriodStart, item)] = card!;
            batch.Assignments.Add((usage.Id, (period.PeriodStart, item)));
        }
        else
        {
            batch.Assignments.Add((usage.Id, (period.PeriodStart, null)));
        }
    }

    private static long Overage(long quantity, long included, long usedBefore) =>
        Math.Max(0, quantity - Math.Max(0, included - usedBefore));

    private async Task<RateCard> CardAsync(UsageEvent usage, CancellationToken ct) =>
        await rateCards.CurrentAsync(usage.RateCard, usage.CreatedAt, ct)
            ?? throw new InvalidOperationException($"No version of rate card '{usage.RateCard}' is in effect at {usage.CreatedAt:O}.");

    private async Task<UsagePeriodItem> LockItemAsync(Batch batch, UsagePeriod period, string item, CancellationToken ct)
    {
        if (batch.Items.TryGetValue((period.PeriodStart, item), out var known))
        {
            return known;
        }
        var found = await db.Set<UsagePeriodItem>().SingleOrDefaultAsync(i => i.UserId == period.UserId && i.PeriodStart == period.PeriodStart && i.Item == item, ct);
        if (found is null)
        {
            found = new UsagePeriodItem { UserId = period.UserId, PeriodStart = period.PeriodStart, Item = item };
            db.Add(found);
        }
        batch.Items[(period.PeriodStart, item)] = found;
        return found;
    }

    /// <summary>Posts, per item, the whole fen its exact cost has grown (or shrunk) by since the last posting.</summary>
    private async Task PostAsync(Batch batch, Guid userId, CancellationToken ct)
    {
        var ordinal = 0;
        foreach (var ((periodStart, item), line) in batch.Items.OrderBy(i => i.Key.Item1).ThenBy(i => i.Key.Item2, StringComparer.Ordinal))
        {
            ordinal++;
            var difference = UsageCost.ToFen(line.CostParts) - line.ChargedFen;
            if (difference == 0)
            {
                continue;
            }
            var card = batch.Cards[(periodStart, item)];
            var key = UsageKey(userId, periodStart, batch.FirstEventId, ordinal);
            // Usage already happened: refusing the charge cannot undo it, so it may take the wallet below its credit
            // limit (a debt); the limits at submission stop new runs until it is paid.
            var posting = Posting.Debit(key, EntryKinds.Usage, userId, difference, LedgerAccounts.UsageRevenue, Describe(item),
                rateCard: card.Name, rateCardVersion: card.Version) with { AllowOverdraw = true };
            await ledger.PostAsync(posting, ct);
            line.ChargedFen += difference;
            batch.Keys[(periodStart, item)] = key;
        }
    }

    public const string SandboxItem = "sandbox";

    public static string TokensItem(string? model) => "tokens:" + (model ?? RateCardPrice.AnyModel);

    /// <summary>The memo of a usage entry, which is also its line on the invoice.</summary>
    public static string Describe(string item) =>
        item == SandboxItem ? "Overage: sandbox time" : $"Overage: {item["tokens:".Length..]} tokens";

    /// <summary>Usage keys start with the user and period, so the period's invoice finds its usage charges.</summary>
    public static string UsageKeyPrefix(Guid userId, DateTimeOffset periodStart) => $"usage:{userId:N}:{periodStart.UtcTicks}:";

    private static string UsageKey(Guid userId, DateTimeOffset periodStart, long firstEventId, int ordinal) =>
        $"{UsageKeyPrefix(userId, periodStart)}{firstEventId}:{ordinal}";

    /// <summary>What one batch has locked and changed.</summary>
    private sealed class Batch(long firstEventId)
    {
        public long FirstEventId { get; } = firstEventId;
        public Dictionary<DateTimeOffset, UsagePeriod> Periods { get; } = [];
        public Dictionary<(DateTimeOffset, string), UsagePeriodItem> Items { get; } = [];
        public Dictionary<(DateTimeOffset, string), RateCard> Cards { get; } = [];
        public Dictionary<(DateTimeOffset, string), string> Keys { get; } = [];
        public List<(long EventId, (DateTimeOffset PeriodStart, string? Item))> Assignments { get; } = [];
    }
}
