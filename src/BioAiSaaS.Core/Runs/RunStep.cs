using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
public enum StepStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("skipped")] Skipped,
    /// <summary>Stopped mid-way because the run was cancelled.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>
/// A workflow step's outcome, committed as soon as it is known: a run resumed by another worker keeps every
/// succeeded step's output and never runs it again.
/// </summary>
public sealed class RunStep
{
    public Guid RunId { get; init; }
    public required string StepId { get; init; }
    public Guid OwnerId { get; init; }
    public StepStatus Status { get; set; }
    public int Attempts { get; set; }
    /// <summary>The step's result as JSON (a tool's typed result, a cell's outcome, cited passages).</summary>
    public string? Output { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
