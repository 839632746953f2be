using System.Diagnostics;
using System.Text.Json;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using BioAiSaaS.Worker.Runs;
using BioAiSaaS.Worker.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
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
public sealed class WorkflowExecutor(IServiceScopeFactory scopes, SandboxClient sandbox, ToolRegistry tools, ILogger<WorkflowExecutor> logger)
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Worker.Workflows");
    private const int MaxStepAttempts = 3;

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
            .Select(s => new ExecutionRequest(ParseLanguage(s.Language), s.Code!, s.TimeoutSeconds ?? DefaultTimeoutSeconds(s.Kind)))
            .ToList();
        await using var session = new LazySession(sandbox, run.OwnerId, replay);
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
                running[step.Id] = RunStepAsync(run, step, row.Attempts, new Dictionary<string, JsonElement>(outputs, StringComparer.Ordinal),
                    session, cancellationToken);
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
        await events.AppendAsync(run.Id, RunEventTypes.RunError, null, new { runId = run.Id, message = summary }, RunEventLog.RunEndedKey, cancellationToken);
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

    private sealed record StepOutcome(JsonElement? Output, string? Error);

    /// <summary>One step in a scope of its own (it runs beside others), with its timeout and retries of transient failures.</summary>
    private async Task<StepOutcome> RunStepAsync(Run run, WorkflowStep step, int attempt, IReadOnlyDictionary<string, JsonElement> outputs,
        LazySession session, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("workflow.step");
        activity?.SetTag("run.id", run.Id);
        activity?.SetTag("step.id", step.Id);
        activity?.SetTag("step.kind", step.Kind);
        var timeout = TimeSpan.FromSeconds(step.TimeoutSeconds ?? DefaultTimeoutSeconds(step.Kind));
        for (var retry = 0; ; retry++)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                await using var scope = await OwnerScopeAsync(run.OwnerId, limit.Token);
                scope.ServiceProvider.GetRequiredService<ToolContext>().ProjectId = run.ProjectId;
                var output = await ExecuteAsync(run, step, attempt, outputs, session, scope.ServiceProvider, (int)timeout.TotalSeconds, limit.Token);
                return output;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new StepOutcome(null, $"Timed out after {timeout.TotalSeconds:0} s.");
            }
            catch (Exception e) when (e is ArgumentException or StepReferenceException or JsonException or SandboxRejectedException)
            {
                // The step's own fault (arguments, a reference, code the sandbox refuses): retrying changes nothing.
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

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or SandboxSessionLostException or TimeoutException || e is NpgsqlException { IsTransient: true };

    private static int DefaultTimeoutSeconds(string kind) => kind switch
    {
        StepKinds.Code => 300,
        StepKinds.Retrieve => 30,
        _ => 60,
    };

    private async Task<StepOutcome> ExecuteAsync(Run run, WorkflowStep step, int attempt, IReadOnlyDictionary<string, JsonElement> outputs,
        LazySession session, IServiceProvider services, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var events = services.GetRequiredService<RunEventLog>();
        switch (step.Kind)
        {
            case StepKinds.Tool:
            case StepKinds.Retrieve:
                var (tool, arguments) = step.Kind == StepKinds.Tool
                    ? (tools.Find(step.Tool!)!, StepReferences.Resolve(step.Arguments ?? JsonSerializer.SerializeToElement(new { }), outputs))
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
                var language = ParseLanguage(step.Language);
                await events.AppendAsync(run.Id, RunEventTypes.CodeSubmitted, step.Id, new { language, code = step.Code },
                    $"code:{step.Id}:{attempt}", cancellationToken);
                var execution = await session.ExecuteAsync(new ExecutionRequest(language, step.Code!, timeoutSeconds), cancellationToken);
                var cell = JsonSerializer.SerializeToElement(new
                {
                    execution.ExitCode, execution.Stdout, execution.Stderr, execution.Value, execution.Table, execution.Error,
                    files = execution.Files, artifacts = execution.Artifacts.Select(a => new { a.Name, a.MimeType, a.Size, a.Path }), execution.DurationMs,
                }, JsonSerializerOptions.Web);
                await events.AppendAsync(run.Id, RunEventTypes.CodeOutput, step.Id, cell, $"code-output:{step.Id}:{attempt}", cancellationToken);
                // Metered per attempt: an attempt that ran used the sandbox, whatever the code's outcome.
                var usageKey = $"run:{run.Id}:step:{step.Id}:attempt:{attempt}:sandbox";
                if (await services.GetRequiredService<UsageRecorder>().RecordAsync(
                        UsageRecorder.SandboxTime(usageKey, run, step.Id, execution.DurationMs), cancellationToken))
                {
                    await events.AppendAsync(run.Id, RunEventTypes.Usage, step.Id,
                        new { kind = UsageKinds.SandboxSeconds, quantity = execution.DurationMs / 1000m }, usageKey, cancellationToken);
                }
                return execution.Succeeded
                    ? new StepOutcome(cell, null)
                    : new StepOutcome(cell, execution.Error is { } error ? $"{error.Type}: {error.Message}"
                        : $"The code ended with exit code {execution.ExitCode} ({execution.Termination?.ToString() ?? "exited"}).");

            case StepKinds.Llm:
                return await AskLanguageModelAsync(run, step, attempt, outputs, services, cancellationToken);

            default:
                // The validator refuses other kinds at submission; a stored workflow cannot have one.
                throw new InvalidOperationException($"Step kind '{step.Kind}' cannot run.");
        }
    }

    private static readonly string LlmStepInstructions = Prompts.Load("llm-step.v1");

    /// <summary>
    /// An <c>llm</c> step: the prompt (earlier outputs quoted into it) to the configured model, its answer as the
    /// step's output and as an AG-UI text message, its tokens metered per attempt.
    /// </summary>
    private static async Task<StepOutcome> AskLanguageModelAsync(Run run, WorkflowStep step, int attempt,
        IReadOnlyDictionary<string, JsonElement> outputs, IServiceProvider services, CancellationToken cancellationToken)
    {
        var chat = services.GetService<IChatClient>()
            ?? throw new InvalidOperationException("No language model is configured (Llm:Endpoint and Llm:Model).");
        var events = services.GetRequiredService<RunEventLog>();
        var prompt = StepReferences.Resolve(JsonSerializer.SerializeToElement(step.Prompt), outputs).GetString()!;
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, LlmStepInstructions), new ChatMessage(ChatRole.User, prompt)], cancellationToken: cancellationToken);

        var messageId = $"{step.Id}-{attempt}";
        await events.AppendAsync(run.Id, RunEventTypes.TextMessageStart, step.Id, new { messageId, role = "assistant" },
            $"text-start:{messageId}", cancellationToken);
        await events.AppendAsync(run.Id, RunEventTypes.TextMessageContent, step.Id, new { messageId, delta = response.Text },
            $"text-content:{messageId}", cancellationToken);
        await events.AppendAsync(run.Id, RunEventTypes.TextMessageEnd, step.Id, new { messageId }, $"text-end:{messageId}", cancellationToken);

        var keyPrefix = $"run:{run.Id}:step:{step.Id}:attempt:{attempt}:call:1:";
        foreach (var (kind, tokens) in await services.GetRequiredService<UsageRecorder>()
                     .RecordTokensAsync(keyPrefix, run, step.Id, response.Usage, response.ModelId, cancellationToken))
        {
            await events.AppendAsync(run.Id, RunEventTypes.Usage, step.Id, new { kind, quantity = tokens, model = response.ModelId },
                keyPrefix + kind, cancellationToken);
        }
        return new StepOutcome(JsonSerializer.SerializeToElement(new
        {
            text = response.Text,
            model = response.ModelId,
            usage = new { input = response.Usage?.InputTokenCount, output = response.Usage?.OutputTokenCount },
        }, JsonSerializerOptions.Web), null);
    }

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

    /// <summary>
    /// The run's sandbox session, opened when the first code step needs it and shared by all of them: variables and
    /// files carry from one code step to the next. A session runs one cell at a time, so code steps take turns.
    /// </summary>
    private sealed class LazySession(SandboxClient sandbox, Guid ownerId, IReadOnlyList<ExecutionRequest> replay) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private ReplayableSession? _session;

        public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_session is null)
                {
                    _session = await sandbox.OpenSessionAsync(new CreateSessionRequest(Tenant: ownerId.ToString()), cancellationToken);
                    foreach (var earlier in replay)
                    {
                        await _session.ExecuteAsync(earlier, cancellationToken);
                    }
                }
                return await _session.ExecuteAsync(request, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_session is not null)
            {
                await _session.DisposeAsync();
            }
            _gate.Dispose();
        }
    }
}
