using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// Sends an accepted run's id to the queue and records that it did. Used right after acceptance by the
/// Api and, for runs that missed the queue (Redis down, a crash in between), by the Worker's sweeper.
/// Sending twice is harmless: a worker only executes a run it can claim in PostgreSQL.
/// </summary>
public sealed class RunDispatcher(IConnectionMultiplexer redis, BioDbContext db, ILogger<RunDispatcher> logger)
{
    /// <summary>Queues the run; the scope's <see cref="Tenancy.CurrentTenant"/> must be the run's owner.</summary>
    public async Task<bool> TryDispatchAsync(QueuedRun run, CancellationToken cancellationToken)
    {
        var runId = run.RunId;
        // While Redis is unreachable, commands would wait for their timeout; the sweeper retries instead.
        if (!redis.IsConnected)
        {
            logger.LogWarning("Redis is unreachable; run {RunId} stays queued in PostgreSQL for the sweeper", runId);
            return false;
        }
        try
        {
            await RunQueue.EnqueueAsync(redis, run);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not enqueue run {RunId}; the sweeper will retry", runId);
            return false;
        }
        await db.Runs.Where(r => r.Id == runId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, DateTimeOffset.UtcNow), cancellationToken);
        return true;
    }
}
