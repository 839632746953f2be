using System.Collections.Concurrent;
using BioAiSaaS.Core.Queue;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Worker.Runs;

/// <summary>
/// Reads the run stream as one consumer of the workers' group, up to <see cref="RunProcessingOptions.MaxConcurrentRuns"/>
/// at a time. Entries left pending by a dead worker (idle longer than a lease) are reclaimed before new ones are read.
/// </summary>
public sealed class RunConsumer(
    IConnectionMultiplexer redis,
    IServiceScopeFactory scopes,
    WorkerIdentity worker,
    IOptions<RunProcessingOptions> options,
    ILogger<RunConsumer> logger) : BackgroundService
{
    private readonly RunProcessingOptions _options = options.Value;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private RedisValue _reclaimCursor = "0-0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Worker {WorkerId} consuming {Stream}", worker.Id, RunQueue.StreamKey);
        await redis.GetSubscriber().SubscribeAsync(RunQueue.WakeChannel, (_, _) => Wake());
        using var slots = new SemaphoreSlim(_options.MaxConcurrentRuns);
        var pollInterval = TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds);

        try
        {
            await TryEnsureConsumerGroupAsync();
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                StreamEntry? entry = null;
                try
                {
                    entry = await NextEntryAsync();
                }
                catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
                {
                    // Redis came back empty (restarted without its data): recreate the group; the sweeper re-sends runs.
                    await TryEnsureConsumerGroupAsync();
                }
                catch (RedisException ex)
                {
                    logger.LogWarning(ex, "Cannot read the run queue; retrying");
                }

                if (entry is not { } work)
                {
                    slots.Release();
                    await _wake.WaitAsync(pollInterval, stoppingToken);
                    continue;
                }
                Track(ProcessAsync(work, slots, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // In-flight runs see the stop, hand their leases back and return.
            await Task.WhenAll(_inFlight.Keys);
        }
    }

    private async Task<StreamEntry?> NextEntryAsync()
    {
        var db = redis.GetDatabase();
        // Reclaim first: an entry idle for a whole lease belongs to a worker that stopped renewing it.
        var reclaimed = await db.StreamAutoClaimAsync(RunQueue.StreamKey, RunQueue.ConsumerGroup, worker.Id,
            (long)_options.Lease.TotalMilliseconds, _reclaimCursor, count: 1);
        _reclaimCursor = reclaimed.NextStartId;
        if (reclaimed.ClaimedEntries is [var stale, ..])
        {
            logger.LogInformation("Reclaimed queue entry {EntryId} from a silent worker", stale.Id);
            return stale;
        }
        var fresh = await db.StreamReadGroupAsync(RunQueue.StreamKey, RunQueue.ConsumerGroup, worker.Id, ">", count: 1);
        return fresh is [var next, ..] ? next : null;
    }

    private async Task ProcessAsync(StreamEntry entry, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RunProcessor>().ProcessAsync(entry, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The entry stays pending and is reclaimed after a lease; nothing is lost.
            logger.LogError(ex, "Processing queue entry {EntryId} failed", entry.Id);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            slots.Release();
            Wake();
        }
    }

    /// <summary>
    /// Creates the consumer group if it is missing. Never throws: Redis may still be coming back (a reconnect, or
    /// "LOADING"), and an exception here would end the consumer loop for good — the worker would stop taking runs.
    /// The next NOGROUP tries again.
    /// </summary>
    private async Task TryEnsureConsumerGroupAsync()
    {
        try
        {
            // From the start of the stream, so entries added before the group existed are still read.
            await redis.GetDatabase().StreamCreateConsumerGroupAsync(
                RunQueue.StreamKey, RunQueue.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Cannot create the run queue's consumer group yet; retrying");
        }
    }

    private void Track(Task task)
    {
        _inFlight.TryAdd(task, true);
        task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
