using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;

namespace BioAiSaaS.Api.Runs;

/// <summary>A run as clients see it. Worker bookkeeping (leases, worker ids) stays internal.</summary>
public sealed record RunResponse(
    Guid Id,
    RunStatus Status,
    SandboxLanguage Language,
    int TimeoutSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int Attempts,
    RunOutcome? Result,
    string? Error)
{
    public static RunResponse From(Run run) => new(
        run.Id, run.Status, run.Language, run.TimeoutSeconds, run.CreatedAt, run.StartedAt, run.FinishedAt,
        run.Attempt,
        run.Outcome, run.Error);
}
