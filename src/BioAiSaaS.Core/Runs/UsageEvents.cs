using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// A measured use of a billable resource, for billing: sandbox seconds now, language-model tokens once the agent
/// calls a model. <see cref="Key"/> is permanent and unique (run, step, attempt, what), so recording twice — a
/// retried write, a resumed run — counts once.
/// </summary>
public sealed class UsageEvent
{
    public long Id { get; init; }
    public required string Key { get; init; }
    public Guid OwnerId { get; init; }
    public Guid? ProjectId { get; init; }
    public Guid RunId { get; init; }
    public string? StepId { get; init; }
    public required string Kind { get; init; }
    public decimal Quantity { get; init; }
    /// <summary>The model that consumed tokens; null for sandbox time.</summary>
    public string? Model { get; init; }
    /// <summary>The price list the quantity is to be charged by (billing resolves it).</summary>
    public required string RateCard { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When billing ingested it (null until then); set in the same transaction as its charge.</summary>
    public DateTimeOffset? BilledAt { get; init; }
    /// <summary>The billing period it was counted in (its own, or the next open one if that was already invoiced).</summary>
    public DateTimeOffset? BillingPeriodStart { get; init; }
    /// <summary>The journal entry its overage went into; null when the plan's allowance covered it.</summary>
    public string? JournalKey { get; init; }
}

public static class UsageKinds
{
    public const string SandboxSeconds = "sandbox_seconds";
    public const string LlmInputTokens = "llm_input_tokens";
    public const string LlmOutputTokens = "llm_output_tokens";
    public const string LlmCachedTokens = "llm_cached_tokens";
    /// <summary>Tokens of a response served from our own response cache: no model was called, nothing is billed.</summary>
    public const string LlmCacheHitTokens = "llm_cache_hit_tokens";
}

/// <summary>Writes usage idempotently: a second write with the same key changes nothing.</summary>
public sealed class UsageRecorder(BioDbContext db)
{
    public const string StandardRateCard = "standard";

    /// <summary>Records <paramref name="usage"/> unless its key exists; true when it was new.</summary>
    public async Task<bool> RecordAsync(UsageEvent usage, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO usage_events (key, owner_id, project_id, run_id, step_id, kind, quantity, model, rate_card, created_at)
            VALUES ({usage.Key}, {usage.OwnerId}, {usage.ProjectId}, {usage.RunId}, {usage.StepId}, {usage.Kind},
                    {usage.Quantity}, {usage.Model}, {usage.RateCard}, now())
            ON CONFLICT (key) DO NOTHING
            """, cancellationToken) == 1;

    /// <summary>
    /// A model call's input, output and cached-input tokens, each under <paramref name="keyPrefix"/> + its kind; the
    /// ones newly recorded are returned (kind, tokens).
    /// </summary>
    public async Task<List<(string Kind, long Tokens)>> RecordTokensAsync(string keyPrefix, Run run, string? stepId,
        Microsoft.Extensions.AI.UsageDetails? usage, string? model, CancellationToken cancellationToken)
    {
        var recorded = new List<(string, long)>();
        foreach (var (kind, tokens) in new[]
                 {
                     (UsageKinds.LlmInputTokens, usage?.InputTokenCount),
                     (UsageKinds.LlmOutputTokens, usage?.OutputTokenCount),
                     (UsageKinds.LlmCachedTokens, usage?.CachedInputTokenCount),
                 })
        {
            if (tokens is > 0 && await RecordAsync(Tokens(keyPrefix + kind, run, stepId, kind, tokens.Value, model), cancellationToken))
            {
                recorded.Add((kind, tokens.Value));
            }
        }
        return recorded;
    }

    /// <summary>Tokens of one model call, of one kind (input, output, cached input).</summary>
    public static UsageEvent Tokens(string key, Run run, string? stepId, string kind, long tokens, string? model) => new()
    {
        Key = key, OwnerId = run.OwnerId, ProjectId = run.ProjectId, RunId = run.Id, StepId = stepId,
        Kind = kind, Quantity = tokens, Model = model, RateCard = StandardRateCard,
    };

    /// <summary>Sandbox time of one execution, in seconds (millisecond resolution).</summary>
    public static UsageEvent SandboxTime(string key, Run run, string? stepId, long durationMs) => new()
    {
        Key = key, OwnerId = run.OwnerId, ProjectId = run.ProjectId, RunId = run.Id, StepId = stepId,
        Kind = UsageKinds.SandboxSeconds, Quantity = durationMs / 1000m, RateCard = StandardRateCard,
    };
}
