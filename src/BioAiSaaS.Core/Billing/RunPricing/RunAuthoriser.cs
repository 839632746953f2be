using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>Whether a quoted run may start now, and if not which limit stops it.</summary>
public abstract record RunDecision
{
    private RunDecision() { }

    /// <summary>It may start; <paramref name="Authorisation"/> says how (<see cref="Authorisations"/>).</summary>
    public sealed record Authorised(string Authorisation) : RunDecision;

    /// <summary>The user already has <paramref name="Limit"/> project runs queued or running.</summary>
    public sealed record ConcurrentLimitReached(Plan Plan, int Limit) : RunDecision;

    /// <summary>The run's list price is above what the plan lets one run cost.</summary>
    public sealed record OverMaxRunBudget(Plan Plan, long ListFen) : RunDecision;

    /// <summary>The wallet (balance + the plan's credit) cannot cover the quote.</summary>
    public sealed record InsufficientFunds(long AmountFen, long AvailableFen) : RunDecision;

    /// <summary>Above what is left of the user's auto-authorisation limit: the user must confirm.</summary>
    public sealed record ConfirmationRequired(long AmountFen, long LimitFen, long RemainingFen) : RunDecision;
}

/// <summary>The user's auto-authorisation: the limit, and what of it queued or running auto-authorised runs hold.</summary>
public sealed record AutoAuthorisation(long LimitFen, long HeldFen, long MaxFen)
{
    public long RemainingFen => Math.Max(0, LimitFen - HeldFen);
}

/// <summary>
/// Quotes project runs and decides at submission whether they may start: the plan's concurrent-run limit and max run
/// budget, the wallet, and the user's auto-authorisation (docs/decisions/0011-run-billing.md). Acts for the scope's
/// own user (row-level security).
/// </summary>
public sealed class RunAuthoriser(BioDbContext db, SubscriptionService subscriptions, RateCardCatalog cards, Ledger ledger,
    IOptions<RunBillingOptions> options, TimeProvider time)
{
    private readonly RunBillingOptions _options = options.Value;

    /// <summary>The subscription <see cref="PlanAsync"/> read, so quoting in the same request does not read it again.</summary>
    private Subscription? _subscription;

    public Task<TaskTemplate?> TemplateAsync(string code, CancellationToken cancellationToken) =>
        db.TaskTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Code == code, cancellationToken);

    public async Task<Plan> PlanAsync(Guid userId, CancellationToken cancellationToken)
    {
        var subscription = _subscription = await subscriptions.GetAsync(userId, cancellationToken);
        return await db.Plans.AsNoTracking().SingleAsync(p => p.Code == subscription.PlanCode, cancellationToken);
    }

    /// <summary>The run's price: the template's fee if it is outcome-priced, else its budget (or the plan's max run budget) by the current rate card.</summary>
    public async Task<Quote> QuoteAsync(Guid userId, Plan plan, TaskTemplate? template, long? maxTokens, int? maxSeconds,
        CancellationToken cancellationToken)
    {
        var card = await cards.CurrentAsync(plan.OverageRateCard, time.GetUtcNow(), cancellationToken)
            ?? throw new InvalidOperationException($"No rate card '{plan.OverageRateCard}' is in effect.");
        maxTokens ??= template?.DefaultMaxTokens;
        if (template is { BillingMode: BillingModes.OutcomeBased })
        {
            // The fee is fixed, but the agent still needs a bound: the plan's max run budget in tokens.
            return RunQuotes.ForOutcome(template, maxTokens ?? RunQuotes.TokensFor(plan.MaxRunBudgetFen, card.PricesFor(null)), maxSeconds);
        }
        return RunQuotes.ForBudget(plan, card, await IncludedLeftAsync(userId, plan, cancellationToken), maxTokens, maxSeconds, template?.Code);
    }

    /// <summary>What the plan still includes this period: its allowance less the token-based usage recorded since the period began.</summary>
    public async Task<IncludedLeft> IncludedLeftAsync(Guid userId, Plan plan, CancellationToken cancellationToken)
    {
        var subscription = _subscription is { } read && read.UserId == userId ? read : await subscriptions.GetAsync(userId, cancellationToken);
        var used = await db.UsageEvents.AsNoTracking()
            .Where(u => u.OwnerId == userId && u.CreatedAt >= subscription.CurrentPeriodStart
                && !db.Runs.Any(r => r.Id == u.RunId && r.BillingMode == BillingModes.OutcomeBased))
            .GroupBy(u => u.Kind)
            .Select(g => new { Kind = g.Key, Quantity = g.Sum(u => u.Quantity) })
            .ToListAsync(cancellationToken);
        var tokens = (long)used.Where(u => u.Kind is UsageKinds.LlmInputTokens or UsageKinds.LlmOutputTokens).Sum(u => u.Quantity);
        var sandboxMs = (long)(used.Where(u => u.Kind == UsageKinds.SandboxSeconds).Sum(u => u.Quantity) * 1000);
        return new IncludedLeft(Math.Max(0, plan.IncludedTokens - tokens),
            Math.Max(0, plan.IncludedSandboxMinutes * Pricing.MillisecondsPerMinute - sandboxMs));
    }

    /// <summary>
    /// The limit (the user's setting, else the default) and what queued or running auto-authorised runs still hold of
    /// it: each holds its whole quote until it ends, since it may spend all of it. Confirmed runs hold nothing: the user
    /// agreed to them one by one. <see cref="AutoAuthorisation.MaxFen"/> is the highest limit the user may set.
    /// </summary>
    public async Task<AutoAuthorisation> AutoAuthorisationAsync(Guid userId, Plan plan, CancellationToken cancellationToken)
    {
        var limit = await db.BillingSettings.AsNoTracking().Where(s => s.UserId == userId).Select(s => (long?)s.AutoAuthoriseLimitFen)
            .FirstOrDefaultAsync(cancellationToken) ?? _options.DefaultAutoAuthoriseLimitFen;
        var held = await db.RunCharges.AsNoTracking()
            .Where(c => c.UserId == userId && c.Authorisation == Authorisations.Auto
                && db.Runs.Any(r => r.Id == c.RunId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)))
            .SumAsync(c => c.QuoteFen, cancellationToken);
        return new AutoAuthorisation(limit, held, MaxLimitFen(plan));
    }

    /// <summary>The highest limit a user may set: the plan's max run budget, and never below the default.</summary>
    public long MaxLimitFen(Plan plan) => Math.Max(plan.MaxRunBudgetFen, _options.DefaultAutoAuthoriseLimitFen);

    /// <summary>
    /// Checks, against <paramref name="plan"/> (read with <see cref="PlanAsync"/> before the lock: reading it may roll the
    /// subscription over in a transaction of its own), in this order, the concurrent-run limit, the max run budget, the wallet, and (unless the user has
    /// <paramref name="confirmed"/> the quote) the auto-authorisation. Call it inside <see cref="LockedAsync{T}"/>, so
    /// two submissions of one user cannot both take the last free slot or the same part of the limit.
    /// </summary>
    public async Task<RunDecision> DecideAsync(Guid userId, Plan plan, Quote quote, bool confirmed, CancellationToken cancellationToken)
    {
        var limit = _options.ConcurrentRunLimit(plan);
        var active = await db.Runs.AsNoTracking()
            .CountAsync(r => r.OwnerId == userId && (r.Kind == RunKind.Workflow || r.Kind == RunKind.Task)
                && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), cancellationToken);
        if (active >= limit)
        {
            return new RunDecision.ConcurrentLimitReached(plan, limit);
        }
        if (quote.ListFen > plan.MaxRunBudgetFen)
        {
            return new RunDecision.OverMaxRunBudget(plan, quote.ListFen);
        }
        if (quote.AmountFen > 0)
        {
            var wallet = await ledger.WalletAsync(userId, cancellationToken);
            var available = wallet.BalanceFen + plan.CreditLimitFen;
            if (quote.AmountFen > available)
            {
                return new RunDecision.InsufficientFunds(quote.AmountFen, available);
            }
        }
        if (confirmed)
        {
            return new RunDecision.Authorised(Authorisations.Confirmed);
        }
        var auto = await AutoAuthorisationAsync(userId, plan, cancellationToken);
        return quote.AmountFen <= auto.RemainingFen
            ? new RunDecision.Authorised(Authorisations.Auto)
            : new RunDecision.ConfirmationRequired(quote.AmountFen, auto.LimitFen, auto.RemainingFen);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction holding the user's run-billing lock (a transaction-scoped advisory
    /// lock), committing when <paramref name="commit"/> says so; retried as a whole on a transient failure.
    /// </summary>
    public Task<T> LockedAsync<T>(Guid userId, Func<Task<T>> work, Func<T, bool> commit, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('run-billing:' || {userId}::text, 0))", cancellationToken);
            return await work();
        }, commit, cancellationToken);

    /// <summary>The run's billing record, as authorised.</summary>
    public RunCharge ChargeFor(Run run, Quote quote, string authorisation, Guid? quoteId) => new()
    {
        RunId = run.Id, UserId = run.OwnerId, BillingMode = quote.BillingMode, TemplateCode = quote.TemplateCode, QuoteFen = quote.AmountFen,
        ListFen = quote.ListFen, Basis = quote.Basis, RateCard = quote.RateCard, RateCardVersion = quote.RateCardVersion,
        Authorisation = authorisation, QuoteId = quoteId, CreatedAt = time.GetUtcNow(),
    };
}
