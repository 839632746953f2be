using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.Subscriptions;

/// <summary>The result of asking for a plan.</summary>
public abstract record PlanChange
{
    private PlanChange() { }

    /// <summary>Upgraded now; <paramref name="ChargedFen"/> was debited from the wallet (0 when nothing was left of the period).</summary>
    public sealed record Upgraded(Subscription Subscription, long ChargedFen) : PlanChange;

    /// <summary>A downgrade or cancellation, effective at the period's end (or a scheduled one withdrawn).</summary>
    public sealed record Scheduled(Subscription Subscription) : PlanChange;

    /// <summary>A request with this idempotency key was already carried out; nothing changed this time.</summary>
    public sealed record Replayed(Subscription Subscription) : PlanChange;

    public sealed record UnknownPlan(string Code) : PlanChange;

    /// <summary>The wallet cannot cover the prorated charge; nothing changed.</summary>
    public sealed record InsufficientFunds(long RequiredFen, long AvailableFen) : PlanChange;
}

/// <summary>
/// Subscriptions, for the scope's own user. Everyone is on Free until they choose otherwise (the row is created on
/// first use). Upgrades take effect at once and charge the prorated difference (<see cref="Proration"/>) from the
/// wallet in the same transaction as the change; downgrades and cancellations wait for the period's end.
/// </summary>
public sealed class SubscriptionService(BioDbContext db, Ledger ledger, TimeProvider time)
{
    /// <summary>The user's subscription, created on Free if there is none, and rolled into the current period.</summary>
    public async Task<Subscription> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await EnsureAsync(userId, cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.UserId == userId, cancellationToken);
        return subscription.CurrentPeriodEnd > time.GetUtcNow()
            ? subscription
            : await db.InTransactionAsync(async () => await RollOverAsync(await LockAsync(userId, cancellationToken), cancellationToken), cancellationToken);
    }

    public async Task<PlanChange> ChangePlanAsync(Guid userId, string planCode, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var plans = await db.Plans.AsNoTracking().ToDictionaryAsync(p => p.Code, cancellationToken);
        if (!plans.TryGetValue(planCode, out var target))
        {
            return new PlanChange.UnknownPlan(planCode);
        }
        await EnsureAsync(userId, cancellationToken);
        return await db.InTransactionAsync<PlanChange>(async () =>
        {
            var subscription = await RollOverAsync(await LockAsync(userId, cancellationToken), cancellationToken);
            var current = plans[subscription.PlanCode];
            if (target.Code == current.Code)
            {
                // Choosing the plan one is on withdraws a scheduled downgrade or cancellation.
                subscription.ScheduledPlanCode = null;
                subscription.CancelAtPeriodEnd = false;
                return await SaveAsync<PlanChange>(new PlanChange.Scheduled(subscription), subscription, cancellationToken);
            }
            if (target.MonthlyPriceFen <= current.MonthlyPriceFen)
            {
                subscription.ScheduledPlanCode = target.Code;
                subscription.CancelAtPeriodEnd = false;
                return await SaveAsync<PlanChange>(new PlanChange.Scheduled(subscription), subscription, cancellationToken);
            }
            var charge = Proration.UpgradeChargeFen(current.MonthlyPriceFen, target.MonthlyPriceFen,
                subscription.CurrentPeriodStart, subscription.CurrentPeriodEnd, time.GetUtcNow());
            if (charge > 0)
            {
                // Without a client key the upgrade itself is the key: one from-to pair per period can happen only once,
                // since a downgrade back waits for the period's end.
                var key = idempotencyKey is null
                    ? $"subscription:{userId:N}:{subscription.CurrentPeriodStart.UtcTicks}:{current.Code}->{target.Code}"
                    : $"subscription:{userId:N}:request:{idempotencyKey}";
                var posted = await ledger.PostAsync(Posting.Debit(key, EntryKinds.Subscription, userId, charge, LedgerAccounts.SubscriptionRevenue,
                    $"Upgrade {current.Name} → {target.Name}, prorated to {subscription.CurrentPeriodEnd:yyyy-MM-dd}"), cancellationToken);
                if (posted.Outcome == PostingOutcome.InsufficientFunds)
                {
                    return new PlanChange.InsufficientFunds(charge, posted.AvailableFen);
                }
                if (posted.Outcome == PostingOutcome.AlreadyPosted)
                {
                    return new PlanChange.Replayed(subscription);
                }
            }
            subscription.PlanCode = target.Code;
            subscription.ScheduledPlanCode = null;
            subscription.CancelAtPeriodEnd = false;
            return await SaveAsync<PlanChange>(new PlanChange.Upgraded(subscription, charge), subscription, cancellationToken);
        },
        // A refused upgrade is not committed: nothing it did is kept.
        change => change is not PlanChange.InsufficientFunds, cancellationToken);
    }

    /// <summary>Back to Free at the period's end.</summary>
    public async Task<Subscription> CancelAsync(Guid userId, CancellationToken cancellationToken)
    {
        await EnsureAsync(userId, cancellationToken);
        return await db.InTransactionAsync(async () =>
        {
            var subscription = await RollOverAsync(await LockAsync(userId, cancellationToken), cancellationToken);
            if (subscription.PlanCode != PlanCodes.Free)
            {
                subscription.CancelAtPeriodEnd = true;
                subscription.ScheduledPlanCode = null;
            }
            await SaveAsync(0, subscription, cancellationToken);
            return subscription;
        }, cancellationToken);
    }

    /// <summary>
    /// Moves a lapsed subscription into the period that contains now: a scheduled downgrade or cancellation takes
    /// effect, and a paid plan renews by charging its monthly price (key: user, plan, period start). A wallet that
    /// cannot pay the renewal drops the subscription to Free. Only the current period is charged: months nobody
    /// looked at are not billed retroactively here (the billing cycle job closes periods as they end).
    /// </summary>
    private async Task<Subscription> RollOverAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (subscription.CurrentPeriodEnd > now)
        {
            return subscription;
        }
        var start = subscription.CurrentPeriodEnd;
        while (Proration.PeriodEnd(start) <= now)
        {
            start = Proration.PeriodEnd(start);
        }
        var next = subscription.CancelAtPeriodEnd ? PlanCodes.Free : subscription.ScheduledPlanCode ?? subscription.PlanCode;
        var plan = await db.Plans.AsNoTracking().SingleAsync(p => p.Code == next, cancellationToken);
        if (plan.MonthlyPriceFen > 0)
        {
            var renewal = Posting.Debit($"subscription:{subscription.UserId:N}:{start.UtcTicks}:renew:{plan.Code}", EntryKinds.Subscription,
                subscription.UserId, plan.MonthlyPriceFen, LedgerAccounts.SubscriptionRevenue,
                $"{plan.Name} {start:yyyy-MM-dd} – {Proration.PeriodEnd(start):yyyy-MM-dd}");
            if ((await ledger.PostAsync(renewal, cancellationToken)).Outcome == PostingOutcome.InsufficientFunds)
            {
                next = PlanCodes.Free;
            }
        }
        // The period that ended waits for its invoice: the billing cycle job finalises this draft. Entries posted
        // before now (this transaction's time) belong to it; the renewal above is the next period's.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO invoices (user_id, status, period_start, period_end, plan_code, cut_off, charges_fen, payments_fen)
            VALUES ({subscription.UserId}, 'draft', {subscription.CurrentPeriodStart}, {start}, {subscription.PlanCode}, now(), 0, 0)
            ON CONFLICT (user_id, period_start) DO NOTHING
            """, cancellationToken);
        subscription.PlanCode = next;
        subscription.ScheduledPlanCode = null;
        subscription.CancelAtPeriodEnd = false;
        subscription.CurrentPeriodStart = start;
        subscription.CurrentPeriodEnd = Proration.PeriodEnd(start);
        await SaveAsync(0, subscription, cancellationToken);
        return subscription;
    }

    private async Task<T> SaveAsync<T>(T result, Subscription subscription, CancellationToken cancellationToken)
    {
        subscription.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }

    /// <summary>Free from now, unless the user already has a subscription (a concurrent first use included).</summary>
    private async Task EnsureAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = DatabaseTime.UtcNow();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO subscriptions (user_id, plan_code, status, current_period_start, current_period_end, cancel_at_period_end, updated_at)
            VALUES ({userId}, {PlanCodes.Free}, {SubscriptionStatuses.Active}, {now}, {Proration.PeriodEnd(now)}, false, {now})
            ON CONFLICT (user_id) DO NOTHING
            """, cancellationToken);
    }

    private async Task<Subscription> LockAsync(Guid userId, CancellationToken cancellationToken) =>
        (await db.Subscriptions.FromSql($"SELECT * FROM subscriptions WHERE user_id = {userId} FOR UPDATE").ToListAsync(cancellationToken)).Single();
}
