using System.Text.Json;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;

namespace BioAiSaaS.Api.Runs;

/// <summary>A run as clients see it. Worker bookkeeping (leases, worker ids) stays internal.</summary>
public sealed record RunResponse(
    Guid Id,
    RunKind Kind,
    Guid? ProjectId,
    RunStatus Status,
    SandboxLanguage? Language,
    int TimeoutSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int Attempts,
    RunOutcome? Result,
    string? Error,
    IReadOnlyList<StepResponse>? Steps = null,
    IReadOnlyDictionary<string, decimal>? Usage = null,
    string? Task = null,
    string? Answer = null)
{
    /// <summary>A task run's final answer: the text of its closing <c>answer</c> step (Markdown).</summary>
    private static string? AnswerOf(IReadOnlyList<RunStep>? steps) =>
        steps?.FirstOrDefault(s => s.StepId == "answer" && s.Status == StepStatus.Succeeded)?.Output is { } output
        && JsonDocument.Parse(output).RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("text", out var text)
            ? text.GetString()
            : null;

    public static RunResponse From(Run run, IReadOnlyList<RunStep>? steps = null, IReadOnlyDictionary<string, decimal>? usage = null) => new(
        run.Id, run.Kind, run.ProjectId, run.Status, run.Language, run.TimeoutSeconds, run.CreatedAt, run.StartedAt, run.FinishedAt,
        run.Attempt,
        run.Outcome, run.Error, steps?.Select(StepResponse.From).ToList(), usage, run.Task, AnswerOf(steps));
}

/// <summary>A workflow step's outcome: its output is the tool's typed result, the cell's outcome, or the cited passages.</summary>
public sealed record StepResponse(string Id, StepStatus Status, int Attempts, JsonElement? Output, string? Error,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public static StepResponse From(RunStep step) => new(step.StepId, step.Status, step.Attempts,
        step.Output is null ? null : JsonDocument.Parse(step.Output).RootElement.Clone(), step.Error, step.StartedAt, step.FinishedAt);
}
