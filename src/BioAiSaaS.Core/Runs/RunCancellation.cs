using StackExchange.Redis;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// Cancelling a run: the Api records the request on the run (the truth) and announces it on Redis (the speed); the
/// worker running it hears the announcement at once, or sees the record within a second when Redis is away.
/// </summary>
public static class RunCancellation
{
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static RedisChannel Channel(Guid runId) => RedisChannel.Literal("run-cancel:" + runId.ToString("N"));

    public const string Reason = "Cancelled at the client's request.";
}
