using System.Diagnostics;
using StackExchange.Redis;

namespace BioAiSaaS.Core.Queue;

/// <summary>
/// The run queue: a Redis stream of run ids read by the workers' consumer group, plus a pub/sub
/// nudge so idle workers wake at once instead of at their next poll. The stream only carries ids:
/// the run itself is in PostgreSQL, so a lost stream entry is re-sent by the sweeper, never lost.
/// </summary>
public static class RunQueue
{
    /// <summary>The Aspire resource (and connection-string) name of Redis.</summary>
    public const string ConnectionName = "redis";
    public static readonly RedisKey StreamKey = "bioaisaas:runs";
    public const string ConsumerGroup = "workers";
    public const string RunIdField = "run_id";
    /// <summary>The run's owner: the worker acts as that user, so row-level security lets it see the run.</summary>
    public const string OwnerIdField = "owner_id";
    /// <summary>W3C trace context of the request that queued the run, so its processing joins the same trace.</summary>
    public const string TraceParentField = "traceparent";
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("bioaisaas:runs:wake");

    public static async Task EnqueueAsync(IConnectionMultiplexer redis, QueuedRun run)
    {
        var db = redis.GetDatabase();
        List<NameValueEntry> fields = [new(RunIdField, run.RunId.ToString("N")), new(OwnerIdField, run.OwnerId.ToString("N"))];
        if (Activity.Current?.Id is { } traceParent)
        {
            fields.Add(new(TraceParentField, traceParent));
        }
        await db.StreamAddAsync(StreamKey, [.. fields]);
        await redis.GetSubscriber().PublishAsync(WakeChannel, RedisValue.EmptyString);
    }

    public static bool TryParse(StreamEntry entry, out QueuedRun run)
    {
        run = default;
        if (!Guid.TryParseExact(entry[RunIdField].ToString(), "N", out var runId)
            || !Guid.TryParseExact(entry[OwnerIdField].ToString(), "N", out var ownerId))
        {
            return false;
        }
        run = new QueuedRun(runId, ownerId);
        return true;
    }

    public static string? TraceParent(StreamEntry entry) => entry[TraceParentField] is { IsNullOrEmpty: false } value ? value.ToString() : null;
}

/// <summary>What a queue entry names: the run and the user it runs for.</summary>
public readonly record struct QueuedRun(Guid RunId, Guid OwnerId);
