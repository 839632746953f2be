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
    string? Answer = null,
    JsonElement? Citations = null,
    IReadOnlyList<ArtifactResponse>? Artifacts = null,
    RunSettings? Settings = null)
{
    /// <summary>Its quote, its metered usage at list price and what was charged for it (a finished project run, read by id).</summary>
    public RunCost? Cost { get; init; }

    /// <summary>From start to finish (or until now, while it runs), in milliseconds.</summary>
    public long? WallTimeMs => StartedAt is { } started ? (long)((FinishedAt ?? DateTimeOffset.UtcNow) - started).TotalMilliseconds : null;

    /// <summary>A task run's final answer: the text of its closing <c>answer</c> step (Markdown).</summary>
    private static JsonElement? AnswerPart(IReadOnlyList<RunStep>? steps, string name) =>
        steps?.FirstOrDefault(s => s.StepId == "answer" && s.Status == StepStatus.Succeeded)?.Output is { } output
        && JsonDocument.Parse(output).RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty(name, out var part)
            ? part.Clone()
            : null;

    public static RunResponse From(Run run, IReadOnlyList<RunStep>? steps = null, IReadOnlyDictionary<string, decimal>? usage = null,
        IReadOnlyList<ArtifactResponse>? artifacts = null) => new(
        run.Id, run.Kind, run.ProjectId, run.Status, run.Language, run.TimeoutSeconds, run.CreatedAt, run.StartedAt, run.FinishedAt,
        run.Attempt,
        run.Outcome, run.Error, steps?.Select(StepResponse.From).ToList(), usage, run.Task,
        AnswerPart(steps, "text") is { ValueKind: JsonValueKind.String } text ? text.GetString() : null,
        AnswerPart(steps, "citations"), artifacts, run.Settings is null ? null : RunSettings.Of(run));
}

/// <summary>A workflow step's outcome: its output is the tool's typed result, the cell's outcome, or the cited passages.</summary>
public sealed record StepResponse(string Id, StepStatus Status, int Attempts, JsonElement? Output, string? Error,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public static StepResponse From(RunStep step) => new(step.StepId, step.Status, step.Attempts,
        step.Output is null ? null : JsonDocument.Parse(step.Output).RootElement.Clone(), step.Error, step.StartedAt, step.FinishedAt);
}

/// <summary>A file a run produced; <see cref="Url"/> downloads it.</summary>
public sealed record ArtifactResponse(Guid Id, string StepId, string Name, string MimeType, long Size, string Sha256, DateTimeOffset CreatedAt, string Url)
{
    public static ArtifactResponse From(RunArtifact a) =>
        new(a.Id, a.StepId, a.Name, a.MimeType, a.Size, a.Sha256, a.CreatedAt, $"/api/runs/{a.RunId}/artifacts/{a.Id}");
}
