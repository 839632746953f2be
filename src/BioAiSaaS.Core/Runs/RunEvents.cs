using System.Text.Json;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// One thing that happened in a run, in order: the SSE stream replays these. <see cref="Sequence"/> is per run and
/// increasing (the SSE id); <see cref="Key"/> makes an append idempotent, so a resumed run never repeats an event.
/// </summary>
public sealed class RunEvent
{
    public Guid RunId { get; init; }
    public long Sequence { get; init; }
    public Guid OwnerId { get; init; }
    public required string Type { get; init; }
    public string? StepId { get; init; }
    /// <summary>The event's JSON payload.</summary>
    public required string Data { get; init; }
    public required string Key { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// Event names. Where the AG-UI protocol has one for the same thing, it is AG-UI's (RUN_STARTED, STEP_STARTED,
/// TOOL_CALL_START …), so agent UIs built for it can follow a run; the rest follow its style.
/// </summary>
public static class RunEventTypes
{
    public const string RunStarted = "RUN_STARTED";
    public const string RunFinished = "RUN_FINISHED";
    public const string RunError = "RUN_ERROR";
    public const string RunCancelled = "RUN_CANCELLED";
    public const string PlanCreated = "PLAN_CREATED";
    public const string StepStarted = "STEP_STARTED";
    public const string StepFinished = "STEP_FINISHED";
    public const string StepFailed = "STEP_FAILED";
    public const string StepSkipped = "STEP_SKIPPED";
    public const string ToolCallStart = "TOOL_CALL_START";
    public const string ToolCallArgs = "TOOL_CALL_ARGS";
    public const string ToolCallEnd = "TOOL_CALL_END";
    public const string ToolCallResult = "TOOL_CALL_RESULT";
    public const string TextMessageStart = "TEXT_MESSAGE_START";
    public const string TextMessageContent = "TEXT_MESSAGE_CONTENT";
    public const string TextMessageEnd = "TEXT_MESSAGE_END";
    /// <summary>Reasoning a model streams (DeepSeek's and Qwen's <c>reasoning_content</c>), as AG-UI names it.</summary>
    public const string ReasoningMessageStart = "REASONING_MESSAGE_START";
    public const string ReasoningMessageContent = "REASONING_MESSAGE_CONTENT";
    public const string ReasoningMessageEnd = "REASONING_MESSAGE_END";
    /// <summary>The reviewer's verdict on a role step's result: accepted, or sent back once with reasons.</summary>
    public const string StepReviewed = "STEP_REVIEWED";
    public const string CodeSubmitted = "CODE_SUBMITTED";
    public const string CodeOutput = "CODE_OUTPUT";
    /// <summary>Billable use recorded for the run (sandbox seconds; later, model tokens).</summary>
    public const string Usage = "USAGE";

    public static bool EndsRun(string type) => type is RunFinished or RunError or RunCancelled;
}

/// <summary>
/// Appends to and reads a run's event log. PostgreSQL holds the log; after each append a Redis message wakes the
/// streams that follow the run, which then read PostgreSQL (a lost message costs at most their poll interval).
/// </summary>
public sealed class RunEventLog(BioDbContext db, IConnectionMultiplexer redis)
{
    public static RedisChannel Channel(Guid runId) => RedisChannel.Literal("run-events:" + runId.ToString("N"));

    /// <summary>The key of a run's one ending event (finished, error or cancelled): whoever ends it first, it ends once.</summary>
    public const string RunEndedKey = "run-ended";

    /// <summary>RUN_STARTED, once per run whatever the attempt (a resumed run does not start again).</summary>
    public Task<long?> RunStartedAsync(Run run, int attempt, CancellationToken cancellationToken) =>
        AppendAsync(run.Id, RunEventTypes.RunStarted, null, new { runId = run.Id, threadId = run.ProjectId, attempt }, "run-started",
            cancellationToken);

    /// <summary>
    /// Appends an event unless one with the same <paramref name="key"/> exists; returns its sequence, or null for
    /// a duplicate. The run row's counter serialises concurrent appends (parallel steps) without gaps in order. The
    /// payload gets AG-UI's <c>timestamp</c> (milliseconds since the epoch, the database's clock).
    /// </summary>
    public async Task<long?> AppendAsync(Guid runId, string type, string? stepId, object data, string key, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
        var sequence = await db.Database.SqlQuery<long>($"""
            WITH next AS (
                UPDATE runs SET event_count = event_count + 1
                 WHERE id = {runId} AND NOT EXISTS (SELECT 1 FROM run_events WHERE run_id = {runId} AND key = {key})
                RETURNING event_count, owner_id
            )
            INSERT INTO run_events (run_id, sequence, owner_id, type, step_id, data, key, created_at)
            SELECT {runId}, next.event_count, next.owner_id, {type}, {stepId},
                   {json}::jsonb || jsonb_build_object('timestamp', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint),
                   {key}, now()
            FROM next
            ON CONFLICT (run_id, key) DO NOTHING
            RETURNING sequence AS "Value"
            """).ToListAsync(cancellationToken);
        if (sequence.Count == 0)
        {
            return null;
        }
        try
        {
            // Not awaited: the wake-up is a hint (followers also poll PostgreSQL), and the run should not wait for it.
            await redis.GetSubscriber().PublishAsync(Channel(runId), sequence[0], CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // Followers poll PostgreSQL as well; the event is not lost, only later on screen.
        }
        return sequence[0];
    }

    public Task<List<RunEvent>> ReadAsync(Guid runId, long after, int limit, CancellationToken cancellationToken) =>
        db.RunEvents.AsNoTracking().Where(e => e.RunId == runId && e.Sequence > after)
            .OrderBy(e => e.Sequence).Take(limit).ToListAsync(cancellationToken);
}
