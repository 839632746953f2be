using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Billing;

/// <summary>
/// So that a lost notification never loses money: every few seconds, asks the provider about pending orders older
/// than a minute. Paid ones are credited exactly as a notification would (the same journal key, so whichever comes
/// first wins and the other changes nothing); expired unpaid ones are closed at the provider, then here. Orders are
/// claimed with FOR UPDATE SKIP LOCKED and a recheck time, so several workers share the work and never query one
/// order at the same moment. Open refunds (asked for, or still processing) get the same treatment: the provider's
/// word settles them, and one it never received is asked again under its refund number.
/// </summary>
public sealed class PaymentReconciliation(
    IServiceScopeFactory scopes,
    IServiceProvider services,
    IOptions<ReconciliationOptions> options,
    TimeProvider time,
    ILogger<PaymentReconciliation> logger) : PeriodicJob(time, logger)
{
    private readonly ReconciliationOptions _options = options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_options.IntervalSeconds);

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => ReconcileAsync(cancellationToken);

    /// <summary>One round: claims a batch and settles each order; returns how many were looked at.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        List<ClaimedOrder> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            var olderThan = Time.GetUtcNow() - TimeSpan.FromSeconds(_options.MinimumAgeSeconds);
            var lease = TimeSpan.FromSeconds(_options.RecheckSeconds);
            claimed = await db.Database.SqlQuery<ClaimedOrder>(
                    $"SELECT out_trade_no, user_id, provider, expires_at FROM billing_claim_pending_orders({olderThan}, {lease}, {_options.BatchSize})")
                .ToListAsync(cancellationToken);
        }
        foreach (var order in claimed)
        {
            try
            {
                await ReconcileAsync(order, cancellationToken);
            }
            catch (PaymentProviderException e)
            {
                // The claim's recheck time brings the order back; nothing was changed here.
                Logger.LogWarning("Reconciling {Provider} order {OutTradeNo} failed: {Code}", e.Provider, order.OutTradeNo, e.Code);
            }
        }
        return claimed.Count + await ReconcileRefundsAsync(cancellationToken);
    }

    private async Task<int> ReconcileRefundsAsync(CancellationToken cancellationToken)
    {
        List<ClaimedRefund> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            var olderThan = Time.GetUtcNow() - TimeSpan.FromSeconds(_options.MinimumAgeSeconds);
            var lease = TimeSpan.FromSeconds(_options.RecheckSeconds);
            claimed = await db.Database.SqlQuery<ClaimedRefund>(
                    $"SELECT out_refund_no, out_trade_no, user_id, provider FROM billing_claim_open_refunds({olderThan}, {lease}, {_options.BatchSize})")
                .ToListAsync(cancellationToken);
        }
        foreach (var refund in claimed)
        {
            try
            {
                await ReconcileAsync(refund, cancellationToken);
            }
            catch (PaymentProviderException e)
            {
                Logger.LogWarning("Reconciling {Provider} refund {OutRefundNo} failed: {Code}", e.Provider, refund.OutRefundNo, e.Code);
            }
        }
        return claimed.Count;
    }

    private async Task ReconcileAsync(ClaimedRefund claimed, CancellationToken cancellationToken)
    {
        if (PaymentProviders.Find(services, claimed.Provider) is not { } provider)
        {
            return;
        }
        await using var scope = scopes.CreateTenantScope(claimed.UserId);
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var refund = await db.PaymentRefunds.AsNoTracking().SingleAsync(r => r.OutRefundNo == claimed.OutRefundNo, cancellationToken);
        var status = await provider.QueryRefundAsync(refund.OutTradeNo, refund.OutRefundNo, cancellationToken);
        if (status.State == RefundState.NotFound)
        {
            // Our request never reached the provider (no answer when it was sent): ask again; the number makes it safe.
            var total = await db.PaymentOrders.AsNoTracking().Where(o => o.OutTradeNo == refund.OutTradeNo).Select(o => o.AmountFen)
                .SingleAsync(cancellationToken);
            try
            {
                status = await provider.RefundAsync(new RefundRequest(refund.OutTradeNo, refund.OutRefundNo, refund.AmountFen, total,
                    refund.Reason ?? "Refund"), cancellationToken);
            }
            catch (PaymentProviderException e) when (e.Code is not null)
            {
                status = status with { State = RefundState.Failed };
            }
        }
        var outcome = await scope.ServiceProvider.GetRequiredService<PaymentSettlement>().SettleRefundAsync(refund.Provider, refund.OutTradeNo,
            refund.OutRefundNo, status.State == RefundState.NotFound ? RefundState.Processing : status.State, refund.AmountFen,
            status.ProviderRefundNo, cancellationToken);
        Logger.LogInformation("Reconciled {Provider} refund {OutRefundNo}: {State} ({Outcome})", refund.Provider, refund.OutRefundNo, status.State, outcome);
    }

    private sealed record ClaimedRefund(string OutRefundNo, string OutTradeNo, Guid UserId, string Provider);

    private async Task ReconcileAsync(ClaimedOrder order, CancellationToken cancellationToken)
    {
        if (PaymentProviders.Find(services, order.Provider) is not { } provider)
        {
            Logger.LogWarning("Order {OutTradeNo} is with {Provider}, which this worker has no configuration for", order.OutTradeNo, order.Provider);
            return;
        }
        await using var scope = scopes.CreateTenantScope(order.UserId);
        var settlement = scope.ServiceProvider.GetRequiredService<PaymentSettlement>();
        var trade = await provider.QueryOrderAsync(order.OutTradeNo, cancellationToken);
        var expired = Time.GetUtcNow() >= order.ExpiresAt;
        switch (trade.State)
        {
            case TradeState.Paid or TradeState.Refunded:
                var outcome = await settlement.SettlePaymentAsync(order.Provider, order.OutTradeNo, trade.AmountFen ?? -1, trade.ProviderTradeNo,
                    trade.PaidAt, cancellationToken);
                Logger.Log(outcome == SettlementOutcome.AmountMismatch ? LogLevel.Error : LogLevel.Information,
                    "Reconciled paid {Provider} order {OutTradeNo} ({AmountFen} fen): {Outcome}", order.Provider, order.OutTradeNo, trade.AmountFen, outcome);
                break;
            case TradeState.Closed:
                await settlement.MarkClosedAsync(order.OutTradeNo, cancellationToken);
                break;
            case TradeState.Pending when expired:
                // WeChat Pay refuses payment after time_expire; closing makes that final on both sides before we say so.
                await provider.CloseOrderAsync(order.OutTradeNo, cancellationToken);
                await settlement.MarkClosedAsync(order.OutTradeNo, cancellationToken);
                Logger.LogInformation("Closed expired unpaid {Provider} order {OutTradeNo}", order.Provider, order.OutTradeNo);
                break;
            case TradeState.NotFound when expired:
                // Creating it failed: the provider never had it, so it can never be paid.
                await settlement.MarkClosedAsync(order.OutTradeNo, cancellationToken);
                break;
        }
    }

    private sealed record ClaimedOrder(string OutTradeNo, Guid UserId, string Provider, DateTimeOffset ExpiresAt);
}
