using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Core.Billing.Orders;

public enum SettlementOutcome
{
    /// <summary>The wallet was credited now.</summary>
    Credited,
    /// <summary>Credited before (an earlier notification, the reconciliation job); nothing moved.</summary>
    AlreadyCredited,
    /// <summary>A refund recorded (or recorded before).</summary>
    RefundRecorded,
    /// <summary>Not an order of ours for this provider.</summary>
    UnknownOrder,
    /// <summary>The provider reports another amount than the order's: nothing credited, for a person to look at.</summary>
    AmountMismatch,
    /// <summary>A refund of an order we have not seen paid yet: the provider should tell us again later.</summary>
    NotPaidYet,
    /// <summary>A refund beyond what is left of the order.</summary>
    RefundTooLarge,
}

/// <summary>
/// Applies verified payment facts (from a notification or the reconciliation job) to an order and the journal, as
/// the order's owner: the order row is locked, the credit is posted under the one key of the payment
/// (<see cref="Posting.PaymentKey"/>), and the order is marked paid, all in one transaction. However many times and
/// however concurrently a payment is reported, it is credited once.
/// </summary>
/// <summary>How asking for a refund went (see <see cref="PaymentSettlement.HoldRefundAsync"/>).</summary>
public enum RefundHoldOutcome
{
    Held,
    UnknownOrder,
    NotPaid,
    TooLarge,
}

/// <summary>A refund's status before the provider has said anything (then: Processing, Succeeded, Failed).</summary>
public static class RefundStatuses
{
    public const string Requested = "Requested";
}

public sealed class PaymentSettlement(BioDbContext db, Ledger ledger)
{
    /// <summary>
    /// The owner of a provider's order, or null if it is not ours. Before the owner is known no scope can act for
    /// anyone, so this one question crosses tenants, through the owner's SECURITY DEFINER function.
    /// </summary>
    public static async Task<Guid?> FindOwnerAsync(IServiceScopeFactory scopes, string provider, string outTradeNo, CancellationToken cancellationToken)
    {
        if (!PaymentOrderRules.IsValidOutTradeNo(outTradeNo))
        {
            return null;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var owners = await db.Database.SqlQuery<Guid?>(
            $"""SELECT billing_payment_order_owner({provider}::text, {outTradeNo}::text) AS "Value" """).ToListAsync(cancellationToken);
        return owners.SingleOrDefault();
    }

    /// <summary>The provider says <paramref name="outTradeNo"/> was paid <paramref name="paidFen"/>: credit it once.
    /// A payment that arrives after we closed the order still credits (the money did arrive) and reopens it as paid.</summary>
    public Task<SettlementOutcome> SettlePaymentAsync(string provider, string outTradeNo, long paidFen, string? providerTradeNo,
        DateTimeOffset? paidAt, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var order = await LockAsync(outTradeNo, cancellationToken);
            if (order is null || order.Provider != provider)
            {
                return SettlementOutcome.UnknownOrder;
            }
            if (paidFen != order.AmountFen)
            {
                return SettlementOutcome.AmountMismatch;
            }
            var posted = await ledger.PostOrThrowAsync(Posting.TopUp(order.UserId, provider, outTradeNo, order.AmountFen), cancellationToken);
            if (order.Status is PaymentOrderStatuses.Pending or PaymentOrderStatuses.Closed)
            {
                order.Status = PaymentOrderStatuses.Paid;
                // Providers write Beijing time (+08:00); PostgreSQL's timestamptz takes UTC.
                order.PaidAt = (paidAt ?? DateTimeOffset.UtcNow).ToUniversalTime();
                order.ProviderTradeNo ??= providerTradeNo;
                order.NextCheckAt = null;
                await db.SaveChangesAsync(cancellationToken);
            }
            return posted.Outcome == PostingOutcome.Posted ? SettlementOutcome.Credited : SettlementOutcome.AlreadyCredited;
        }, cancellationToken);

    /// <summary>
    /// The provider reports a refund of <paramref name="outTradeNo"/>. A successful refund debits the wallet once (by
    /// the refund number) even past its credit limit, since the money has already gone back to the payer. A refund
    /// of an order not yet seen paid is <see cref="SettlementOutcome.NotPaidYet"/>: nothing is recorded and the
    /// provider, told "failure", sends it again after the payment notice.
    /// </summary>
    public Task<SettlementOutcome> SettleRefundAsync(string provider, string outTradeNo, string outRefundNo, RefundState state, long refundFen,
        string? providerRefundNo, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var order = await LockAsync(outTradeNo, cancellationToken);
            if (order is null || order.Provider != provider)
            {
                return SettlementOutcome.UnknownOrder;
            }
            if (order.Status is not (PaymentOrderStatuses.Paid or PaymentOrderStatuses.Refunded))
            {
                return SettlementOutcome.NotPaidYet;
            }
            var refund = await db.PaymentRefunds.FirstOrDefaultAsync(r => r.OutRefundNo == outRefundNo, cancellationToken);
            if (refund is not null && refund.OutTradeNo != outTradeNo)
            {
                return SettlementOutcome.UnknownOrder;
            }
            var alreadySucceeded = refund?.Status == nameof(RefundState.Succeeded);
            if (state == RefundState.Succeeded && !alreadySucceeded && order.RefundedFen + refundFen > order.AmountFen)
            {
                return SettlementOutcome.RefundTooLarge;
            }
            if (refund is null)
            {
                refund = new PaymentRefund { OutRefundNo = outRefundNo, OutTradeNo = outTradeNo, UserId = order.UserId, Provider = provider, Status = "" };
                db.PaymentRefunds.Add(refund);
            }
            // A success is final: a late PROCESSING or a duplicate never undoes it.
            if (!alreadySucceeded)
            {
                refund.Status = state.ToString();
                refund.AmountFen = refundFen;
                refund.ProviderRefundNo ??= providerRefundNo;
                refund.UpdatedAt = DateTimeOffset.UtcNow;
                // A refund the user asked for was held out of the wallet when asked; one made in the merchant
                // console was not, so its success debits the wallet now. Only an ending asks (reconciliation looks at a refund
                // still processing again and again).
                var held = state is RefundState.Succeeded or RefundState.Failed
                    && await db.JournalEntries.AnyAsync(e => e.Key == Posting.RefundHoldKey(provider, outRefundNo), cancellationToken);
                if (state == RefundState.Succeeded)
                {
                    await ledger.PostAsync(held
                        ? Posting.RefundFromHold(order.UserId, provider, outTradeNo, outRefundNo, refundFen)
                        : Posting.ProviderRefund(order.UserId, provider, outTradeNo, outRefundNo, refundFen), cancellationToken);
                    order.RefundedFen += refundFen;
                    order.Status = PaymentOrderStatuses.Refunded;
                }
                else if (state == RefundState.Failed && held)
                {
                    await ledger.PostAsync(Posting.RefundHoldRelease(order.UserId, provider, outTradeNo, outRefundNo, refundFen), cancellationToken);
                }
                await db.SaveChangesAsync(cancellationToken);
            }
            return SettlementOutcome.RefundRecorded;
        }, cancellationToken);

    /// <summary>
    /// The user asks for <paramref name="amountFen"/> of a paid top-up back: within what is left of the order (after
    /// refunds done and in flight) and of the wallet (credit does not count: only money that is there goes back), the
    /// refund is recorded as requested and its amount held out of the wallet, in one transaction. The caller then asks
    /// the provider and settles its answer with <see cref="SettleRefundAsync"/>.
    /// </summary>
    public Task<(RefundHoldOutcome Outcome, PaymentRefund? Refund, long RefundableFen)> HoldRefundAsync(string outTradeNo, long amountFen,
        string reason, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var order = await LockAsync(outTradeNo, cancellationToken);
            if (order is null)
            {
                return (RefundHoldOutcome.UnknownOrder, (PaymentRefund?)null, 0L);
            }
            if (order.Status is not (PaymentOrderStatuses.Paid or PaymentOrderStatuses.Refunded))
            {
                return (RefundHoldOutcome.NotPaid, null, 0L);
            }
            var inFlight = await db.PaymentRefunds
                .Where(r => r.OutTradeNo == outTradeNo && (r.Status == RefundStatuses.Requested || r.Status == nameof(RefundState.Processing)))
                .SumAsync(r => r.AmountFen, cancellationToken);
            var refundable = order.AmountFen - order.RefundedFen - inFlight;
            if (amountFen > refundable)
            {
                return (RefundHoldOutcome.TooLarge, null, refundable);
            }
            var refund = new PaymentRefund
            {
                OutRefundNo = PaymentOrderRules.NewRefundNumber(),
                OutTradeNo = outTradeNo, UserId = order.UserId, Provider = order.Provider, AmountFen = amountFen,
                Status = RefundStatuses.Requested, UpdatedAt = DateTimeOffset.UtcNow, Reason = reason,
            };
            db.PaymentRefunds.Add(refund);
            await db.SaveChangesAsync(cancellationToken);
            var posted = await ledger.PostAsync(Posting.RefundHold(order.UserId, order.Provider, outTradeNo, refund.OutRefundNo, amountFen),
                cancellationToken);
            if (!posted.Succeeded)
            {
                throw new InsufficientFundsException(amountFen, Math.Max(0, posted.BalanceFen));
            }
            return (RefundHoldOutcome.Held, refund, refundable);
        }, cancellationToken);

    /// <summary>The provider closed (or never had) an unpaid order: it can no longer be paid.</summary>
    public Task<bool> MarkClosedAsync(string outTradeNo, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var order = await LockAsync(outTradeNo, cancellationToken);
            if (order?.Status != PaymentOrderStatuses.Pending)
            {
                return false;
            }
            order.Status = PaymentOrderStatuses.Closed;
            order.ClosedAt = DateTimeOffset.UtcNow;
            order.NextCheckAt = null;
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken);

    // Not composed with LINQ, so the statement runs exactly as written, lock included.
    private async Task<PaymentOrder?> LockAsync(string outTradeNo, CancellationToken cancellationToken) =>
        (await db.PaymentOrders.FromSql($"SELECT * FROM payment_orders WHERE out_trade_no = {outTradeNo} FOR UPDATE")
            .ToListAsync(cancellationToken)).SingleOrDefault();

}
