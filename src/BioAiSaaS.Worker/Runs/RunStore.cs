using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Runs;

/// <summary>A worker's claim on a run; <see cref="Attempt"/> is its fencing token.</summary>
public sealed record RunClaim(QueuedRun Run, int Attempt, Run Details)
{
    public Guid RunId => Run.RunId;
    public DateTimeOffset CreatedAt => Details.CreatedAt;

    /// <summary>A code run's execution (the Api stores both fields for every code run).</summary>
    public ExecutionRequest Request => new(Details.Language!.Value, Details.Code!, Details.TimeoutSeconds);
}

/// <summary>
/// The run state machine in PostgreSQL, with database time for leases so worker clocks never matter.
/// Every write after the claim is fenced by the attempt number: a worker that lost its lease cannot
/// overwrite the run, so a result is stored exactly once. Its scope acts as the run's owner (row-level security).
/// </summary>
public sealed class RunStore(BioDbContext db, IOptions<RunBillingOptions>? billing = null)
{
    private readonly TimeSpan _rejectWindow = (billing?.Value ?? new RunBillingOptions()).OutcomeRejectWindow;

    /// <summary>Claims a queued run, or a running one whose lease lapsed. Null when someone else holds it or it is done.</summary>
    public async Task<RunClaim?> TryClaimAsync(QueuedRun queued, string workerId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var runId = queued.RunId;
        var attempts = await db.Database.SqlQuery<int>($"""
            UPDATE runs
               SET status = 'Running', attempt = attempt + 1, worker_id = {workerId},
                   lease_expires_at = now() + {lease}, started_at = coalesce(started_at, now())
             WHERE id = {runId}
               AND (status = 'Queued' OR (status = 'Running' AND lease_expires_at < now()))
            RETURNING attempt AS "Value"
            """).ToListAsync(cancellationToken);
        if (attempts.Count == 0)
        {
            return null;
        }
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
        return new RunClaim(queued, attempts[0], run);
    }

    public Task<RunStatus?> GetStatusAsync(Guid runId, CancellationToken cancellationToken) =>
        db.Runs.Where(r => r.Id == runId).Select(r => (RunStatus?)r.Status).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Extends the lease; false means the claim was lost and the work must stop.</summary>
    public async Task<bool> RenewAsync(RunClaim claim, TimeSpan lease, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            UPDATE runs SET lease_expires_at = now() + {lease}
             WHERE id = {claim.RunId} AND attempt = {claim.Attempt} AND status = 'Running'
            """, cancellationToken) == 1;

    /// <summary>Lets the lease lapse now so another attempt can start at once (after a transient failure).</summary>
    public Task ReleaseAsync(RunClaim claim, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE runs SET lease_expires_at = now()
             WHERE id = {claim.RunId} AND attempt = {claim.Attempt} AND status = 'Running'
            """, cancellationToken);

    /// <summary>Stores the outcome if this claim still holds; false when another attempt has taken over.</summary>
    public Task<bool> CompleteAsync(RunClaim claim, ExecutionResult result, CancellationToken cancellationToken) =>
        FinishAsync(claim, result.Succeeded ? RunStatus.Succeeded : RunStatus.Failed, RunOutcome.From(result), null, cancellationToken);

    /// <summary>Ends a workflow run that succeeded: its results are its steps' (run_steps).</summary>
    public Task<bool> SucceedWithoutOutcomeAsync(RunClaim claim, CancellationToken cancellationToken) =>
        FinishAsync(claim, RunStatus.Succeeded, null, null, cancellationToken);

    /// <summary>Ends the run cancelled, as its client asked.</summary>
    public Task<bool> CancelAsync(RunClaim claim, CancellationToken cancellationToken) =>
        FinishAsync(claim, RunStatus.Cancelled, null, RunCancellation.Reason, cancellationToken);

    /// <summary>Whether the client has asked to cancel the run.</summary>
    public Task<bool> IsCancelRequestedAsync(Guid runId, CancellationToken cancellationToken) =>
        db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequestedAt != null).SingleAsync(cancellationToken);

    /// <summary>Fails the run without an outcome: the platform could not run the code.</summary>
    public Task<bool> FailAsync(RunClaim claim, string error, CancellationToken cancellationToken) =>
        FinishAsync(claim, RunStatus.Failed, null, error, cancellationToken);

    private async Task<bool> FinishAsync(RunClaim claim, RunStatus status, RunOutcome? outcome, string? error,
        CancellationToken cancellationToken)
    {
        if (status == RunStatus.Succeeded && claim.Details.BillingMode == BillingModes.OutcomeBased)
        {
            // The one place a run ends: an outcome-priced run's fee is charged in the same transaction that marks it
            // succeeded, so there is never a success without its charge or a charge without its success.
            return await db.InTransactionAsync(async () =>
            {
                if (await MarkFinishedAsync(claim, status, outcome, error, cancellationToken) is not { } run)
                {
                    return false;
                }
                await new OutcomeCharges(db).ChargeOnSuccessAsync(run, _rejectWindow, cancellationToken);
                db.ChangeTracker.Clear();
                return true;
            }, static finished => finished, cancellationToken);
        }
        var finished = await MarkFinishedAsync(claim, status, outcome, error, cancellationToken) is not null;
        db.ChangeTracker.Clear();
        return finished;
    }

    /// <summary>Stores the end of the run if the claim still holds; the run, or null when another attempt took over.</summary>
    private async Task<Run?> MarkFinishedAsync(RunClaim claim, RunStatus status, RunOutcome? outcome, string? error,
        CancellationToken cancellationToken)
    {
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == claim.RunId, cancellationToken);
        if (run is null || run.Attempt != claim.Attempt || run.Status != RunStatus.Running)
        {
            db.ChangeTracker.Clear();
            return null;
        }
        run.Status = status;
        run.Outcome = outcome;
        run.Error = error;
        run.FinishedAt = DateTimeOffset.UtcNow;
        run.LeaseExpiresAt = null;
        try
        {
            // Attempt is a concurrency token: the UPDATE matches only if no other claim happened meanwhile.
            await db.SaveChangesAsync(cancellationToken);
            return run;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return null;
        }
    }

    /// <summary>
    /// Runs the sweeper must (re)send: never dispatched, or running with a lease long lapsed. Across all
    /// tenants, so through the owner's SECURITY DEFINER function, which returns only ids and owners.
    /// </summary>
    public Task<List<QueuedRun>> FindStrandedAsync(TimeSpan dispatchGrace, TimeSpan lease, int limit, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var undispatchedBefore = now - dispatchGrace;
        // Its worker died and its queue entry is gone too (e.g. Redis lost it); once per two leases.
        var abandonedBefore = now - 2 * lease;
        return db.Database.SqlQuery<StrandedRun>(
                $"SELECT id, owner_id FROM find_stranded_runs({undispatchedBefore}, {abandonedBefore}, {limit})")
            .Select(r => new QueuedRun(r.Id, r.OwnerId))
            .ToListAsync(cancellationToken);
    }

    private sealed record StrandedRun(Guid Id, Guid OwnerId);
}
