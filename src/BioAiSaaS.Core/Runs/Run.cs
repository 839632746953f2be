using BioAiSaaS.Core.Sandbox;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// A unit of work a client submitted. PostgreSQL holds the truth about it; the Redis stream only
/// carries its id to a worker. The lease columns let a second worker take over from a dead one,
/// and <see cref="Attempt"/> fences a stale worker's late result out.
/// </summary>
public sealed class Run
{
    public Guid Id { get; init; }
    /// <summary>The user who submitted it; row-level security lets only that user's scopes see the row.</summary>
    public Guid OwnerId { get; init; }
    public RunKind Kind { get; init; } = RunKind.Code;
    /// <summary>The project a workflow or task runs in (its documents, its earlier runs); null for a bare code run.</summary>
    public Guid? ProjectId { get; init; }

    /// <summary>For a code run: what to execute.</summary>
    public SandboxLanguage? Language { get; init; }
    public string? Code { get; init; }
    public int TimeoutSeconds { get; init; }

    /// <summary>For a workflow run: the submitted graph, as JSON; for a task run, the graph its planner made.</summary>
    public string? Workflow { get; set; }
    /// <summary>For a task run: the research task in natural language.</summary>
    public string? Task { get; init; }
    /// <summary>The client's choices (<see cref="RunSettings"/>) as JSON; null for the defaults.</summary>
    public string? Settings { get; init; }
    /// <summary>
    /// How the run is paid for (<see cref="Billing.RunPricing.BillingModes"/>): <c>token-based</c> (its usage is charged) or
    /// <c>outcome-based</c> (a fixed fee on success; its usage events must not be charged again).
    /// </summary>
    public string BillingMode { get; init; } = Billing.RunPricing.BillingModes.TokenBased;
    /// <summary>How many events the run has logged; appending one takes the next number (<see cref="RunEventLog"/>).</summary>
    public long EventCount { get; set; }

    public RunStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When the run id reached the queue; null means the sweeper must still send it.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public int Attempt { get; set; }
    public string? WorkerId { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>When the client asked to cancel; the worker stops the run's work within about a second of it.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }

    public RunOutcome? Outcome { get; set; }
    /// <summary>Why the platform could not run the code at all (as opposed to the code failing).</summary>
    public string? Error { get; set; }
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunKind>))]
public enum RunKind
{
    /// <summary>One piece of code in the sandbox (<c>POST /api/runs</c>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("code")] Code,
    /// <summary>An explicit graph of steps (<c>POST /api/projects/{id}/runs</c> with a workflow).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("workflow")] Workflow,
    /// <summary>A research task in natural language, planned into a workflow by the language model.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("task")] Task,
}

/// <summary>What the sandbox reported for the code, stored with the run.</summary>
public sealed class RunOutcome
{
    public int? ExitCode { get; set; }
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
    public bool StdoutTruncated { get; set; }
    public bool StderrTruncated { get; set; }
    public long DurationMs { get; set; }
    public Termination? Termination { get; set; }

    public static RunOutcome From(ExecutionResult result) => new()
    {
        ExitCode = result.ExitCode,
        Stdout = result.Stdout,
        Stderr = result.Stderr,
        StdoutTruncated = result.StdoutTruncated,
        StderrTruncated = result.StderrTruncated,
        DurationMs = result.DurationMs,
        Termination = result.Termination,
    };
}
