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
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("bioaisaas:runs:wake");

    public static async Task EnqueueAsync(IConnectionMultiplexer redis, Guid runId)
    {
        var db = redis.GetDatabase();
        await db.StreamAddAsync(StreamKey, RunIdField, runId.ToString("N"));
        await redis.GetSubscriber().PublishAsync(WakeChannel, RedisValue.EmptyString);
    }

    public static bool TryParseRunId(StreamEntry entry, out Guid runId) =>
        Guid.TryParseExact(entry[RunIdField].ToString(), "N", out runId);
}
