using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>What became of a request to accept or reject an outcome.</summary>
public enum OutcomeDecision
{
    /// <summary>Done now (a rejection refunded the fee).</summary>
    Done,
    /// <summary>Asked before and already so; nothing moved this time.</summary>
    AlreadyDone,
    /// <summary>No such run of the user's.</summary>
    NotFound,
    /// <summary>The run is not outcome-priced, or has not succeeded (nothing was charged).</summary>
    NotCharged,
    /// <summary>Already decided the other way, or the window to reject has passed.</summary>
    Closed,
}

/// <summary>
/// Outcome-priced runs' fees: charged once when the run succeeds (journal key <c>outcome:{runId}</c>), refundable
/// once within the reject window (<c>outcome-refund:{runId}</c>), accepted by the user or automatically after the
/// window. Failed and cancelled runs are never charged. Acts for the scope's own user, except
/// <see cref="AutoAcceptAsync"/>, which works across users through a SECURITY DEFINER function.
/// </summary>
public sealed class OutcomeCharges(BioDbContext db)
{
    public static string ChargeKey(Guid runId) => $"outcome:{runId:D}";
    public static string RefundKey(Guid runId) => $"outcome-refund:{runId:D}";

    /// <summary>
    /// Charges a succeeded outcome-priced run its fee, inside the caller's transaction (the one that marks it succeeded),
    /// so the charge and the success are stored together or not at all. Repeating it changes nothing: the run's charge
    /// row says it was charged, and the journal key is permanent. The fee was authorised when the run was accepted, so
    /// it is posted even if the wallet has been spent since (the wallet may go below zero; the result was delivered).
    /// </summary>
    public async Task ChargeOnSuccessAsync(Run run, TimeSpan rejectWindow, CancellationToken cancellationToken)
    {
        if (run.BillingMode != BillingModes.OutcomeBased)
        {
            return;
        }
        var charge = await LockAsync(run.Id, cancellationToken);
        if (charge is null || charge.OutcomeStatus is not null)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        if (charge.QuoteFen > 0)
        {
            await new Ledger(db).PostAsync(Posting.Debit(ChargeKey(run.Id), EntryKinds.Outcome, run.OwnerId, charge.QuoteFen,
                LedgerAccounts.OutcomeRevenue, $"Outcome fee of run {run.Id:D} ({charge.TemplateCode})", run.Id) with { AllowOverdraw = true },
                cancellationToken);
        }
        charge.OutcomeFeeFen = charge.QuoteFen;
        charge.OutcomeStatus = OutcomeStatuses.Pending;
        charge.OutcomeChargedAt = now;
        charge.OutcomeAcceptBy = now + rejectWindow;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Rejects the outcome before its window ends: the fee goes back to the wallet, once.</summary>
    public Task<OutcomeDecision> RejectAsync(Guid runId, string reason, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var charge = await LockAsync(runId, cancellationToken);
            if (charge is null)
            {
                return OutcomeDecision.NotFound;
            }
            switch (charge.OutcomeStatus)
            {
                case null:
                    return OutcomeDecision.NotCharged;
                case OutcomeStatuses.Rejected:
                    return OutcomeDecision.AlreadyDone;
                case OutcomeStatuses.Accepted:
                    return OutcomeDecision.Closed;
            }
            var now = DateTimeOffset.UtcNow;
            if (now >= charge.OutcomeAcceptBy)
            {
                return OutcomeDecision.Closed;
            }
            if (charge.OutcomeFeeFen is > 0 and var fee)
            {
                await new Ledger(db).PostAsync(new Posting(RefundKey(runId), EntryKinds.Refund, charge.UserId,
                    [new(LedgerAccounts.Refunds, fee), new(LedgerAccounts.Wallet(charge.UserId), -fee)],
                    $"Outcome of run {runId:D} rejected: fee refunded", runId), cancellationToken);
            }
            charge.OutcomeStatus = OutcomeStatuses.Rejected;
            charge.OutcomeDecidedAt = now;
            charge.OutcomeRejectReason = reason;
            await db.SaveChangesAsync(cancellationToken);
            return OutcomeDecision.Done;
        }, cancellationToken);

    /// <summary>Accepts the outcome: the fee stays charged and can no longer be rejected.</summary>
    public Task<OutcomeDecision> AcceptAsync(Guid runId, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var charge = await LockAsync(runId, cancellationToken);
            switch (charge?.OutcomeStatus)
            {
                case null when charge is null:
                    return OutcomeDecision.NotFound;
                case null:
                    return OutcomeDecision.NotCharged;
                case OutcomeStatuses.Accepted:
                    return OutcomeDecision.AlreadyDone;
                case OutcomeStatuses.Rejected:
                    return OutcomeDecision.Closed;
            }
            charge.OutcomeStatus = OutcomeStatuses.Accepted;
            charge.OutcomeDecidedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(cancellationToken);
            return OutcomeDecision.Done;
        }, cancellationToken);

    /// <summary>
    /// Accepts up to <paramref name="batchSize"/> pending outcomes whose window ended before <paramref name="now"/>,
    /// for every user (<c>billing_auto_accept_outcomes</c>: rows locked with SKIP LOCKED, so several workers, or a
    /// user's rejection in progress, never take the same row twice). Returns how many were accepted.
    /// </summary>
    public async Task<int> AutoAcceptAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<int>($"""SELECT billing_auto_accept_outcomes({now}, {batchSize}) AS "Value" """)
            .ToListAsync(cancellationToken)).Single();

    private async Task<RunCharge?> LockAsync(Guid runId, CancellationToken cancellationToken) =>
        (await db.RunCharges.FromSql($"SELECT * FROM run_charges WHERE run_id = {runId} FOR UPDATE").ToListAsync(cancellationToken))
        .SingleOrDefault();

}
