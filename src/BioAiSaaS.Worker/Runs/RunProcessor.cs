using System.Diagnostics;
using System.Diagnostics.Metrics;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Worker.Sandbox;
using BioAiSaaS.Worker.Workflows;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Worker.Runs;

/// <summary>
/// Executes the run behind one queue entry: claim it in PostgreSQL, keep the lease alive while the
/// sandbox works, store the outcome fenced by the claim, and only then acknowledge the entry.
/// A crash anywhere before the acknowledgement leaves the entry pending for another worker.
/// </summary>
public sealed class RunProcessor(
    RunStore store,
    SandboxClient sandbox,
    WorkflowExecutor workflows,
    TaskRunPlanner planner,
    UsageRecorder usage,
    IConnectionMultiplexer redis,
    CurrentTenant tenant,
    IServiceScopeFactory scopes,
    WorkerIdentity worker,
    IOptions<RunProcessingOptions> options,
    ILogger<RunProcessor> logger)
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Worker");
    private static readonly Meter Meter = new("BioAiSaaS.Worker");
    private static readonly Counter<long> Finished = Meter.CreateCounter<long>("bioaisaas.runs.finished");
    private static readonly Histogram<double> QueueLag =
        Meter.CreateHistogram<double>("bioaisaas.runs.queue_lag", unit: "s", description: "From acceptance to first claim");

    private readonly RunProcessingOptions _options = options.Value;

    public async Task ProcessAsync(StreamEntry entry, CancellationToken stoppingToken)
    {
        if (!RunQueue.TryParse(entry, out var queued))
        {
            logger.LogWarning("Dropping malformed queue entry {EntryId}", entry.Id);
            await AcknowledgeAsync(entry.Id);
            return;
        }

        // A child of the request that queued the run (or of the sweeper that re-sent it): one trace per run.
        using var activity = ActivitySource.StartActivity("run.process", ActivityKind.Consumer, RunQueue.TraceParent(entry));
        var runId = queued.RunId;
        activity?.SetTag("run.id", runId);
        // The worker acts as the run's owner: row-level security shows it that user's rows only.
        tenant.Set(queued.OwnerId);
        var claim = await store.TryClaimAsync(queued, worker.Id, _options.Lease, stoppingToken);
        if (claim is null)
        {
            // Finished (a duplicate entry) or gone: done with the entry. Held by a live worker: that worker acknowledges it.
            var status = await store.GetStatusAsync(runId, stoppingToken);
            if (status is null || status.Value.IsTerminal())
            {
                await AcknowledgeAsync(entry.Id);
            }
            return;
        }
        activity?.SetTag("run.attempt", claim.Attempt);
        if (claim.Attempt == 1)
        {
            QueueLag.Record((DateTimeOffset.UtcNow - claim.CreatedAt).TotalSeconds);
        }

        if (claim.Attempt > _options.MaxAttempts)
        {
            await FinishAsync(claim, entry, store.FailAsync(claim,
                $"Gave up after {_options.MaxAttempts} attempts: the run kept losing its worker or its sandbox.", CancellationToken.None));
            return;
        }

        if (claim.Details.Kind is RunKind.Workflow or RunKind.Task)
        {
            await ExecuteWorkflowUnderLeaseAsync(claim, entry, activity, stoppingToken);
            return;
        }
        if (await ExecuteUnderLeaseAsync(claim, entry, activity, stoppingToken) is { } result)
        {
            await FinishAsync(claim, entry, store.CompleteAsync(claim, result, CancellationToken.None));
        }
    }

    /// <summary>
    /// Runs the code in the sandbox while keeping the lease alive. Null when there is no outcome to store:
    /// the sandbox failed (the run is released for another attempt, or failed for good), the lease was lost,
    /// or the worker is stopping.
    /// </summary>
    private async Task<ExecutionResult?> ExecuteUnderLeaseAsync(RunClaim claim, StreamEntry entry, Activity? activity,
        CancellationToken stoppingToken)
    {
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = KeepLeaseAsync(claim, entry.Id, work, heartbeatStop.Token);
        var cancellation = new CancellationWatch();
        var watch = WatchCancellationAsync(claim, work, cancellation, heartbeatStop.Token);
        try
        {
            // A session of its own for the run, so a SandboxHost restart mid-run is survived by replay.
            await using var session = await sandbox.OpenSessionAsync(
                new CreateSessionRequest(Tenant: claim.Run.OwnerId.ToString()), work.Token);
            var result = await session.ExecuteAsync(claim.Request, work.Token);
            await usage.RecordAsync(UsageRecorder.SandboxTime($"run:{claim.RunId}:attempt:{claim.Attempt}:sandbox", claim.Details, null,
                result.DurationMs), work.Token);
            return result;
        }
        catch (SandboxRejectedException rejected) when (!work.IsCancellationRequested)
        {
            // The sandbox will refuse this run on every attempt (e.g. a language this host lacks).
            await FinishAsync(claim, entry, store.FailAsync(claim, rejected.Message, CancellationToken.None));
        }
        catch (Exception ex) when (!work.IsCancellationRequested)
        {
            // The sandbox could not be reached or failed; the code itself never ran to an outcome.
            logger.LogWarning(ex, "Attempt {Attempt} of run {RunId} failed to execute", claim.Attempt, claim.RunId);
            activity?.AddException(ex);
            if (claim.Attempt >= _options.MaxAttempts)
            {
                await FinishAsync(claim, entry, store.FailAsync(claim, $"The sandbox could not execute the run: {ex.Message}", CancellationToken.None));
            }
            else
            {
                await store.ReleaseAsync(claim, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: hand the run back at once instead of after the lease.
            await store.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellation.Requested)
        {
            // Leaving the session's scope above deleted the session: its kernel and processes are gone.
            await FinishAsync(claim, entry, store.CancelAsync(claim, CancellationToken.None));
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Lost the lease on run {RunId} (attempt {Attempt}); another worker has it", claim.RunId, claim.Attempt);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await Task.WhenAll(heartbeat, watch);
        }
        return null;
    }

    /// <summary>
    /// Runs a workflow while keeping the lease alive, and stores how it ended. Its steps and events are committed as
    /// they happen, so when the work stops early (lost lease, shutdown, the database gone) the next attempt resumes it.
    /// </summary>
    private async Task ExecuteWorkflowUnderLeaseAsync(RunClaim claim, StreamEntry entry, Activity? activity, CancellationToken stoppingToken)
    {
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = KeepLeaseAsync(claim, entry.Id, work, heartbeatStop.Token);
        var cancellation = new CancellationWatch();
        var watch = WatchCancellationAsync(claim, work, cancellation, heartbeatStop.Token);
        try
        {
            // A task is planned first (once: the plan is stored on the run), then runs as the workflow it became.
            if (claim.Details is { Kind: RunKind.Task, Workflow: null }
                && await planner.PlanAsync(claim, work.Token) is { } unplannable)
            {
                await using (var scope = scopes.CreateTenantScope(claim.Run.OwnerId))
                {
                    await scope.ServiceProvider.GetRequiredService<RunEventLog>().AppendAsync(claim.RunId, RunEventTypes.RunError, null,
                        new { runId = claim.RunId, message = unplannable }, RunEventLog.RunEndedKey, work.Token);
                }
                await FinishAsync(claim, entry, store.FailAsync(claim, unplannable, CancellationToken.None));
                return;
            }
            var outcome = await workflows.ExecuteAsync(claim, work.Token);
            await FinishAsync(claim, entry, outcome.Succeeded
                ? store.SucceedWithoutOutcomeAsync(claim, CancellationToken.None)
                : store.FailAsync(claim, outcome.FailureSummary!, CancellationToken.None));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await store.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellation.Requested)
        {
            // The executor's session is deleted as it unwinds; record what stopped, then end the run.
            await workflows.RecordCancelledAsync(claim, CancellationToken.None);
            await FinishAsync(claim, entry, store.CancelAsync(claim, CancellationToken.None));
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Lost the lease on run {RunId} (attempt {Attempt}); another worker has it", claim.RunId, claim.Attempt);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Attempt {Attempt} of workflow run {RunId} stopped early", claim.Attempt, claim.RunId);
            activity?.AddException(ex);
            if (claim.Attempt >= _options.MaxAttempts)
            {
                await FinishAsync(claim, entry, store.FailAsync(claim, $"The workflow could not be carried out: {ex.Message}", CancellationToken.None));
            }
            else
            {
                await store.ReleaseAsync(claim, CancellationToken.None);
            }
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await Task.WhenAll(heartbeat, watch);
        }
    }

    private sealed class CancellationWatch
    {
        public volatile bool Requested;
    }

    /// <summary>
    /// Stops the run's work when its client cancels it: at once on the Redis announcement, or within
    /// <see cref="RunCancellation.Poll"/> from the request recorded on the run.
    /// </summary>
    private async Task WatchCancellationAsync(RunClaim claim, CancellationTokenSource work, CancellationWatch watch, CancellationToken stop)
    {
        ChannelMessageQueue? announcements = null;
        try
        {
            announcements = await redis.GetSubscriber().SubscribeAsync(RunCancellation.Channel(claim.RunId));
        }
        catch (RedisException)
        {
            // The recorded request is enough, a second later.
        }
        try
        {
            // The announcement stops a run at once; the recorded request is the fallback, looked at from a second on
            // (a request made before this claim, for a run whose worker died, is found then).
            var first = true;
            while (!stop.IsCancellationRequested)
            {
                if (first)
                {
                    first = false;
                    await WaitForAnnouncementAsync(announcements, stop);
                    continue;
                }
                try
                {
                    await using var scope = scopes.CreateTenantScope(claim.Run.OwnerId);
                    if (await scope.ServiceProvider.GetRequiredService<RunStore>().IsCancelRequestedAsync(claim.RunId, stop))
                    {
                        watch.Requested = true;
                        await work.CancelAsync();
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not check run {RunId} for cancellation", claim.RunId);
                }
                await WaitForAnnouncementAsync(announcements, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (announcements is not null)
            {
                await announcements.UnsubscribeAsync();
            }
        }
    }

    /// <summary>Returns on a cancellation announcement, or after <see cref="RunCancellation.Poll"/>.</summary>
    private static async Task WaitForAnnouncementAsync(ChannelMessageQueue? announcements, CancellationToken stop)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
        wait.CancelAfter(RunCancellation.Poll);
        try
        {
            if (announcements is null)
            {
                await Task.Delay(Timeout.Infinite, wait.Token);
            }
            else
            {
                await announcements.ReadAsync(wait.Token);
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Awaits the fenced write of the run's end, then acknowledges the queue entry either way.</summary>
    private async Task FinishAsync(RunClaim claim, StreamEntry entry, Task<bool> finishing)
    {
        if (await finishing)
        {
            Finished.Add(1);
        }
        else
        {
            logger.LogWarning("Run {RunId} attempt {Attempt} was superseded; its result is discarded", claim.RunId, claim.Attempt);
        }
        await AcknowledgeAsync(entry.Id);
    }

    /// <summary>Renews the lease in PostgreSQL and resets the entry's idle time in Redis, every third of a lease.</summary>
    private async Task KeepLeaseAsync(RunClaim claim, RedisValue entryId, CancellationTokenSource work, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.Lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var scope = scopes.CreateTenantScope(claim.Run.OwnerId);
                    if (!await scope.ServiceProvider.GetRequiredService<RunStore>().RenewAsync(claim, _options.Lease, stop))
                    {
                        await work.CancelAsync();
                        return;
                    }
                    await redis.GetDatabase().StreamClaimIdsOnlyAsync(
                        RunQueue.StreamKey, RunQueue.ConsumerGroup, worker.Id, 0, [entryId]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A blip in PostgreSQL or Redis: keep working, the next tick tries again.
                    logger.LogWarning(ex, "Could not renew the lease on run {RunId}", claim.RunId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AcknowledgeAsync(RedisValue entryId) =>
        await redis.GetDatabase().StreamAcknowledgeAsync(RunQueue.StreamKey, RunQueue.ConsumerGroup, entryId);
}
