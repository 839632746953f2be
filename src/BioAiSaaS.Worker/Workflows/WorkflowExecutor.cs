using System.Diagnostics;
using System.Text.Json;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using BioAiSaaS.Worker.Agents;
using BioAiSaaS.Worker.Runs;
using BioAiSaaS.Worker.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BioAiSaaS.Worker.Workflows;

/// <summary>How a workflow ended: the failure summary names the failed steps and those skipped because of them.</summary>
public sealed record WorkflowOutcome(bool Succeeded, string? FailureSummary);

/// <summary>
/// Runs a workflow's steps as their dependencies allow: every step whose dependencies succeeded starts, up to the
/// workflow's parallelism; a step that fails makes its dependents skipped (with the reason), so the run ends failed
/// with a summary instead of stalling. Each step's outcome and every event is committed as it happens, so a worker
/// that resumes the run (after a crash) keeps the steps that succeeded and repeats no event.
/// </summary>
public sealed class WorkflowExecutor(IServiceScopeFactory scopes, SandboxClient sandbox, ToolRegistry tools,
    IOptions<AgentOptions> agentOptions, ILogger<WorkflowExecutor> logger) : IDisposable
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Worker.Workflows");
    private const int MaxStepAttempts = 3;

    /// <summary>Steps this worker runs at once over all its runs: the per-run limit alone would let many runs swamp it.</summary>
    private readonly SemaphoreSlim _workerSlots = new(agentOptions.Value.MaxConcurrentStepsPerWorker);

    public async Task<WorkflowOutcome> ExecuteAsync(RunClaim claim, CancellationToken cancellationToken)
    {
        var run = claim.Details;
        var workflow = JsonSerializer.Deserialize<WorkflowDefinition>(run.Workflow!, JsonSerializerOptions.Web)!;
        await using var scope = await OwnerScopeAsync(run.OwnerId, cancellationToken);
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RunEventLog>();

        await events.RunStartedAsync(run, claim.Attempt, cancellationToken);
        var steps = await db.RunSteps.Where(s => s.RunId == run.Id).ToDictionaryAsync(s => s.StepId, StringComparer.Ordinal, cancellationToken);
        if (steps.Count == 0)
        {
            foreach (var step in workflow.Steps)
            {
                var row = new RunStep { RunId = run.Id, StepId = step.Id, OwnerId = run.OwnerId, Status = StepStatus.Pending };
                db.RunSteps.Add(row);
                steps[step.Id] = row;
            }
            await db.SaveChangesAsync(cancellationToken);
            await events.AppendAsync(run.Id, RunEventTypes.PlanCreated, null,
                new { steps = workflow.Steps.Select(s => new { s.Id, s.Kind, s.Tool, dependsOn = s.Dependencies }) }, "plan", cancellationToken);
        }

        // A resumed run gets a new session: replaying the code steps that succeeded restores their variables and files
        // (as far as the code is deterministic) before any further step runs in it.
        var replay = workflow.Steps
            .Where(s => s.Kind == StepKinds.Code && steps[s.Id].Status == StepStatus.Succeeded)
            .OrderBy(s => steps[s.Id].FinishedAt)
            .Select(s => new ExecutionRequest(ParseLanguage(s.Language), s.Code!, s.TimeoutSeconds ?? DefaultTimeoutSeconds(s)))
            .ToList();
        var inputs = await InputFiles.ListAsync(run, db, cancellationToken);
        await using var session = new RunSession(sandbox, run.OwnerId, ct => InputFiles.LoadAsync(run, inputs, scopes, ct), replay);
        var budget = await RunBudget.LoadAsync(run, db, cancellationToken);
        var byId = workflow.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var running = new Dictionary<string, Task<StepOutcome>>(StringComparer.Ordinal);
        // Succeeded steps' outputs, parsed once (those of an earlier attempt too); steps that start get a copy.
        var outputs = steps.Values.Where(s => s.Status == StepStatus.Succeeded)
            .ToDictionary(s => s.StepId, s => JsonDocument.Parse(s.Output ?? "null").RootElement.Clone(), StringComparer.Ordinal);
        while (true)
        {
            await SkipBlockedAsync(workflow, steps, db, events, run.Id, cancellationToken);
            // Pending, or left running by a worker that died: (re)start it.
            foreach (var step in workflow.Steps.Where(s => steps[s.Id].Status is StepStatus.Pending or StepStatus.Running
                         && !running.ContainsKey(s.Id)
                         && s.Dependencies.All(d => steps[d].Status == StepStatus.Succeeded)))
            {
                if (running.Count >= workflow.Parallelism)
                {
                    break;
                }
                var row = steps[step.Id];
                row.Status = StepStatus.Running;
                row.Attempts++;
                row.StartedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(cancellationToken);
                await events.AppendAsync(run.Id, RunEventTypes.StepStarted, step.Id,
                    new { stepName = step.Id, kind = step.Kind, attempt = row.Attempts }, $"step-started:{step.Id}:{row.Attempts}", cancellationToken);
                running[step.Id] = RunStepAsync(new StepRun(run, workflow, step, row.Attempts,
                    new Dictionary<string, JsonElement>(outputs, StringComparer.Ordinal), session, budget, inputs.Select(i => i.Path).ToList()),
                    cancellationToken);
            }
            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Values);
            var finished = running.Single(r => r.Value == done).Key;
            running.Remove(finished);
            var outcome = await done;
            var stepRow = steps[finished];
            stepRow.Status = outcome.Error is null ? StepStatus.Succeeded : StepStatus.Failed;
            stepRow.Output = outcome.Output?.GetRawText();
            stepRow.Error = outcome.Error;
            stepRow.FinishedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(cancellationToken);
            if (outcome.Error is null)
            {
                outputs[finished] = outcome.Output ?? JsonSerializer.SerializeToElement<object?>(null);
            }
            await events.AppendAsync(run.Id, outcome.Error is null ? RunEventTypes.StepFinished : RunEventTypes.StepFailed, finished,
                new { stepName = finished, error = outcome.Error }, $"step-ended:{finished}:{stepRow.Attempts}", cancellationToken);
        }

        var failed = steps.Values.Where(s => s.Status == StepStatus.Failed).Select(s => $"'{s.StepId}' failed: {s.Error}").ToList();
        var skipped = steps.Values.Where(s => s.Status == StepStatus.Skipped).Select(s => s.StepId).ToList();
        if (failed.Count == 0 && skipped.Count == 0)
        {
            await events.AppendAsync(run.Id, RunEventTypes.RunFinished, null,
                new { runId = run.Id, result = outputs },
                RunEventLog.RunEndedKey, cancellationToken);
            return new WorkflowOutcome(true, null);
        }
        var summary = string.Join("; ", failed) + (skipped.Count > 0 ? $". Skipped because of it: {string.Join(", ", skipped)}." : ".");
        var code = failed.Any(f => f.Contains(BudgetExhaustedException.Code, StringComparison.Ordinal)) ? BudgetExhaustedException.Code : "step_failed";
        await events.AppendAsync(run.Id, RunEventTypes.RunError, null, new { runId = run.Id, message = summary, code }, RunEventLog.RunEndedKey,
            cancellationToken);
        return new WorkflowOutcome(false, summary);
    }

    /// <summary>
    /// After a cancellation stopped the run's work: steps that were running end cancelled, those that had not started
    /// end skipped, and the stream gets its last event.
    /// </summary>
    public async Task RecordCancelledAsync(RunClaim claim, CancellationToken cancellationToken)
    {
        var run = claim.Details;
        await using var scope = await OwnerScopeAsync(run.OwnerId, cancellationToken);
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RunEventLog>();
        var now = DateTimeOffset.UtcNow;
        foreach (var step in await db.RunSteps.Where(s => s.RunId == run.Id && (s.Status == StepStatus.Running || s.Status == StepStatus.Pending))
                     .ToListAsync(cancellationToken))
        {
            var wasRunning = step.Status == StepStatus.Running;
            step.Status = wasRunning ? StepStatus.Cancelled : StepStatus.Skipped;
            step.Error = wasRunning ? RunCancellation.Reason : "The run was cancelled before this step started.";
            step.FinishedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await events.AppendAsync(run.Id, wasRunning ? RunEventTypes.StepFailed : RunEventTypes.StepSkipped, step.StepId,
                new { stepName = step.StepId, error = step.Error, cancelled = true }, $"step-cancelled:{step.StepId}", cancellationToken);
        }
        await events.AppendAsync(run.Id, RunEventTypes.RunCancelled, null, new { runId = run.Id, message = RunCancellation.Reason },
            RunEventLog.RunEndedKey, cancellationToken);
    }

    /// <summary>Marks every pending step with a failed or skipped dependency as skipped, naming it, until none is left.</summary>
    private static async Task SkipBlockedAsync(WorkflowDefinition workflow, Dictionary<string, RunStep> steps, BioDbContext db,
        RunEventLog events, Guid runId, CancellationToken cancellationToken)
    {
        bool changed;
        do
        {
            changed = false;
            foreach (var step in workflow.Steps.Where(s => steps[s.Id].Status == StepStatus.Pending))
            {
                if (step.Dependencies.FirstOrDefault(d => steps[d].Status is StepStatus.Failed or StepStatus.Skipped) is { } blocker)
                {
                    var row = steps[step.Id];
                    row.Status = StepStatus.Skipped;
                    row.Error = $"Needs '{blocker}', which {(steps[blocker].Status == StepStatus.Failed ? "failed" : "was skipped")}.";
                    row.FinishedAt = DateTimeOffset.UtcNow;
                    await db.SaveChangesAsync(cancellationToken);
                    await events.AppendAsync(runId, RunEventTypes.StepSkipped, step.Id, new { stepName = step.Id, reason = row.Error },
                        $"step-skipped:{step.Id}", cancellationToken);
                    changed = true;
                }
            }
        }
        while (changed);
    }

    /// <summary>One step of a run, as it starts: what it may read and use.</summary>
    private sealed record StepRun(Run Run, WorkflowDefinition Workflow, WorkflowStep Step, int Attempt,
        IReadOnlyDictionary<string, JsonElement> Outputs, RunSession Session, RunBudget Budget, IReadOnlyList<string> InputFiles);

    /// <summary>
    /// One step in a scope of its own (it runs beside others), in one of the worker's slots, with its timeout (never past
    /// the run's time budget) and retries of transient failures.
    /// </summary>
    private async Task<StepOutcome> RunStepAsync(StepRun s, CancellationToken cancellationToken)
    {
        var (run, step) = (s.Run, s.Step);
        using var activity = ActivitySource.StartActivity("workflow.step");
        activity?.SetTag("run.id", run.Id);
        activity?.SetTag("step.id", step.Id);
        activity?.SetTag("step.kind", step.Kind);
        activity?.SetTag("step.role", step.Role);
        var timeout = TimeSpan.FromSeconds(step.TimeoutSeconds ?? DefaultTimeoutSeconds(step));
        await _workerSlots.WaitAsync(cancellationToken);
        try
        {
            for (var retry = 0; ; retry++)
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var left = s.Budget.Deadline is { } deadline ? deadline - DateTimeOffset.UtcNow : TimeSpan.MaxValue;
                limit.CancelAfter(left < timeout ? TimeSpan.FromTicks(Math.Max(left.Ticks, 1)) : timeout);
                try
                {
                    s.Budget.EnsureLeft();
                    await using var scope = await OwnerScopeAsync(run.OwnerId, limit.Token);
                    scope.ServiceProvider.GetRequiredService<ToolContext>().ProjectId = run.ProjectId;
                    return await ExecuteAsync(s, scope.ServiceProvider, (int)timeout.TotalSeconds, limit.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return new StepOutcome(null, left < timeout
                        ? $"{BudgetExhaustedException.Code}: the run's time budget ended while this step ran."
                        : $"Timed out after {timeout.TotalSeconds:0} s.");
                }
                catch (Exception e) when (e is ArgumentException or StepReferenceException or JsonException or SandboxRejectedException
                                              or BudgetExhaustedException)
                {
                    // The step's own fault (arguments, a reference, code the sandbox refuses) or its budget: retrying changes nothing.
                    return new StepOutcome(null, e.Message);
                }
                catch (Exception e) when (IsTransient(e) && retry + 1 < MaxStepAttempts && !cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Step {StepId} of run {RunId} failed transiently; retrying", step.Id, run.Id);
                    await Task.Delay(TimeSpan.FromSeconds(1 << retry), cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Step {StepId} of run {RunId} failed", step.Id, run.Id);
                    return new StepOutcome(null, e.Message);
                }
            }
        }
        finally
        {
            _workerSlots.Release();
        }
    }

    /// <summary>Worth another try: the network, a lost sandbox session, the database, or the model's endpoint saying
    /// "too many requests" or failing on its side (its client has retried already by then).</summary>
    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or SandboxSessionLostException or TimeoutException || e is NpgsqlException { IsTransient: true }
        || e is System.ClientModel.ClientResultException { Status: 429 or >= 500 };

    /// <summary>A step's limit unless it sets one: a role step holds several model calls (the analyst's, executions too).</summary>
    private static int DefaultTimeoutSeconds(WorkflowStep step) => (step.Kind, step.Role) switch
    {
        (StepKinds.Code, _) => 300,
        (StepKinds.Retrieve, _) => 30,
        (StepKinds.Llm, AgentRoles.Analyst) => 1200,
        (StepKinds.Llm, not null) => 600,
        (StepKinds.Llm, null) => 120,
        _ => 60,
    };

    private async Task<StepOutcome> ExecuteAsync(StepRun s, IServiceProvider services, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var (run, step, attempt) = (s.Run, s.Step, s.Attempt);
        var events = services.GetRequiredService<RunEventLog>();
        switch (step.Kind)
        {
            case StepKinds.Tool:
            case StepKinds.Retrieve:
                var (tool, arguments) = step.Kind == StepKinds.Tool
                    ? (tools.Find(step.Tool!)!, StepReferences.Resolve(step.Arguments ?? JsonSerializer.SerializeToElement(new { }), s.Outputs))
                    : (tools.Find(KnowledgeTools.SearchKnowledge.Name)!, JsonSerializer.SerializeToElement(new { query = step.Query, k = step.K ?? 5 }));
                var callId = $"{step.Id}-{attempt}";
                await events.AppendAsync(run.Id, RunEventTypes.ToolCallStart, step.Id, new { toolCallId = callId, toolCallName = tool.Name },
                    $"tool-start:{callId}", cancellationToken);
                await events.AppendAsync(run.Id, RunEventTypes.ToolCallArgs, step.Id, new { toolCallId = callId, delta = arguments.GetRawText() },
                    $"tool-args:{callId}", cancellationToken);
                await events.AppendAsync(run.Id, RunEventTypes.ToolCallEnd, step.Id, new { toolCallId = callId }, $"tool-end:{callId}", cancellationToken);
                var values = arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
                var result = await tool.Function.InvokeAsync(new AIFunctionArguments(values) { Services = services }, cancellationToken);
                var output = result is JsonElement json ? json : JsonSerializer.SerializeToElement(result, JsonSerializerOptions.Web);
                await events.AppendAsync(run.Id, RunEventTypes.ToolCallResult, step.Id,
                    new { toolCallId = callId, messageId = callId, content = output }, $"tool-result:{callId}", cancellationToken);
                return new StepOutcome(output, null);

            case StepKinds.Code:
                var cell = await CodeCells.ExecuteAsync(run, step.Id,
                    new CellKeys($"{step.Id}:{attempt}", $"run:{run.Id}:step:{step.Id}:attempt:{attempt}:sandbox"),
                    new ExecutionRequest(ParseLanguage(step.Language), step.Code!, timeoutSeconds), s.Session, services, cancellationToken);
                return new StepOutcome(cell.Output, cell.Failure);

            case StepKinds.Llm:
                var prompt = StepReferences.Resolve(JsonSerializer.SerializeToElement(step.Prompt), s.Outputs).GetString()!;
                var agent = services.GetService<RoleAgent>()
                    ?? throw new InvalidOperationException("No language model is configured (Llm:Endpoint and Llm:Model).");
                return await agent.RunAsync(
                    new AgentStep(run, s.Workflow, step, attempt, prompt, s.Outputs, s.Session, s.Budget, s.InputFiles, services), cancellationToken);

            default:
                // The validator refuses other kinds at submission; a stored workflow cannot have one.
                throw new InvalidOperationException($"Step kind '{step.Kind}' cannot run.");
        }
    }

    public void Dispose() => _workerSlots.Dispose();

    private static SandboxLanguage ParseLanguage(string? language) =>
        language is null ? SandboxLanguage.Python : Enum.Parse<SandboxLanguage>(language, ignoreCase: true);

    /// <summary>
    /// A scope acting as the run's owner, its connection opened once: EF Core would otherwise open and close it
    /// around every command, and each opening sets the tenant in a round trip of its own (half of an event's cost).
    /// </summary>
    private async Task<AsyncServiceScope> OwnerScopeAsync(Guid ownerId, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateTenantScope(ownerId);
        await scope.ServiceProvider.GetRequiredService<BioDbContext>().Database.OpenConnectionAsync(cancellationToken);
        return scope;
    }
}
