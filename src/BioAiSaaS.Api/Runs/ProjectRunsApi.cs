using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Projects;
using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Runs;

/// <summary>A project run: an explicit workflow, or a research task in natural language, with the client's choices.</summary>
/// <param name="Workflow">The graph of steps to run.</param>
/// <param name="Task">A research task in natural language.</param>
/// <param name="Models">A model per role (planner, researcher, analyst, reviewer, reporter), from the deployment's allowed models.</param>
/// <param name="Budget">Limits the run stops at (<c>budget_exhausted</c>): tokens over all model calls, and wall-clock seconds.</param>
/// <param name="Inputs">Ids of the project's documents, or of its earlier runs' artifacts, to give the run as files
/// (<c>inputs/&lt;name&gt;</c> in its sandbox).</param>
/// <param name="Review">Whether the reviewer checks the role steps (default: the deployment's <c>Agents:Review</c>).</param>
/// <param name="Template">A task template (GET /api/billing/templates): it sets how the run is billed, token-based or outcome-based.</param>
public sealed record ProjectRunSubmission(WorkflowDefinition? Workflow, string? Task, Dictionary<string, string>? Models = null,
    RunBudgetRequest? Budget = null, List<Guid>? Inputs = null, bool? Review = null, string? Template = null);

/// <summary>A run's budget: at most <paramref name="MaxTokens"/> tokens and <paramref name="MaxSeconds"/> seconds.</summary>
public sealed record RunBudgetRequest(long? MaxTokens, int? MaxSeconds);

/// <summary>Runs in a project, and every run's event stream.</summary>
public static class ProjectRunsApi
{
    private const long MaxRequestBodyBytes = 1 << 20;
    public const int MaxTaskLength = 2000;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapProjectRunsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/projects/{id:guid}/runs", SubmitAsync)
            .WithTags("Runs").WithName("SubmitProjectRun")
            .WithSummary("Run a workflow, or a task, in a project")
            .WithDescription("A workflow is a graph of tool, code and retrieve steps with dependencies; arguments may quote earlier steps' outputs as ${stepId.output.path}. Shape errors (unknown tools or parameters, unknown dependencies, cycles) are refused here. A task in natural language runs, without a language model, as the one tool that matches it with the arguments read from it; 422 explains when that is not possible. Watch a run with GET /api/runs/{id}/events.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes))
            .RequireAuthorization(Policies.RunsWrite)
            .RequireRateLimit(RateLimitPolicy.RunSubmission)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        app.MapGet("/api/runs/{id:guid}/events", StreamAsync)
            .WithTags("Runs").WithName("RunEvents")
            .WithSummary("Follow a run's events (Server-Sent Events)")
            .WithDescription("Each event's SSE id is its sequence number in the run. Reconnect with Last-Event-ID (or ?after=) to get exactly what was missed, then live events; after the run has ended the whole history is sent and the stream closes.")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Accepted<RunResponse>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        Guid id, ProjectRunSubmission submission, HttpContext context, BioDbContext db, ToolRegistry tools, RunAdmission admission,
        RunAuthoriser authoriser, OfflinePlanner planner, IOptions<LanguageModelOptions> languageModel, IOptions<AgentOptions> agents,
        CancellationToken cancellationToken)
    {
        // A submission reads about a dozen times (project, settings, plan, allowance, limits); opened once, the connection
        // keeps the tenant set on it instead of EF opening it for each read, each opening costing a round trip to set it.
        await db.Database.OpenConnectionAsync(cancellationToken);
        if (await ProjectsApi.FindAsync(db, context, id, cancellationToken) is null)
        {
            return ProjectsApi.NotFound();
        }
        var settingsErrors = await RunSettingsValidator.ValidateAsync(submission, id, db, languageModel.Value, agents.Value, cancellationToken);
        if (settingsErrors.Count > 0)
        {
            return TypedResults.ValidationProblem(settingsErrors);
        }
        var kind = RunKind.Workflow;
        string? workflowJson = null;
        var workflow = submission.Workflow;
        if (workflow is null)
        {
            if (string.IsNullOrWhiteSpace(submission.Task) || submission.Task.Length > MaxTaskLength)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["workflow"] = [$"Submit a workflow (a graph of steps) or a task (at most {MaxTaskLength} characters)."],
                });
            }
            if (languageModel.Value.IsConfigured)
            {
                // The Worker's planner role makes the workflow; the run is accepted now.
                kind = RunKind.Task;
            }
            else
            {
                // No language model: the offline planner runs the one tool that matches, or says why it cannot.
                var plan = await planner.PlanAsync(submission.Task, cancellationToken);
                if (plan.Workflow is null)
                {
                    return Problems.Of(StatusCodes.Status422UnprocessableEntity, "The task cannot be planned without a language model", plan.Explanation!);
                }
                workflow = plan.Workflow;
            }
        }
        if (workflow is not null)
        {
            var errors = WorkflowValidator.Validate(workflow, tools, languageModel.Value.IsConfigured);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            workflowJson = JsonSerializer.Serialize(workflow, JsonSerializerOptions.Web);
        }

        // Billing: the quote decides the run's token budget (the plan's max run budget when it names none, so the worker
        // stops it with budget_exhausted), and the admission checks plan limits, wallet and auto-authorisation.
        var userId = context.User.RequiredUserId();
        var template = submission.Template is null ? null : await authoriser.TemplateAsync(submission.Template, cancellationToken);
        var billingPlan = await authoriser.PlanAsync(userId, cancellationToken);
        var quote = await authoriser.QuoteAsync(userId, billingPlan, template, submission.Budget?.MaxTokens, submission.Budget?.MaxSeconds,
            cancellationToken);
        var settings = new RunSettings(submission.Models, quote.MaxTokens, quote.MaxSeconds, submission.Inputs, submission.Review).ToJson();
        var admitted = await admission.SubmitAsync(userId, id, new PreparedRun(kind, submission.Task, workflowJson, settings), quote, billingPlan,
            cancellationToken);
        return admitted.Result switch
        {
            Accepted<RunResponse> accepted => accepted,
            ProblemHttpResult problem => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other}."),
        };
    }

    private static async Task<Results<ServerSentEventsResult<JsonElement>, ProblemHttpResult>> StreamAsync(
        Guid id, long? after, HttpContext context, BioDbContext db, RunEventLog log, IConnectionMultiplexer redis,
        CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        if (!await db.Runs.AnyAsync(r => r.Id == id && r.OwnerId == owner, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Run not found", $"There is no run with id '{id}'.");
        }
        var cursor = after
            ?? (long.TryParse(context.Request.Headers["Last-Event-ID"], out var last) ? last : 0);
        return TypedResults.ServerSentEvents(Follow(id, cursor, db, log, redis, cancellationToken));
    }

    /// <summary>
    /// The run's events after <paramref name="cursor"/>: what is stored, then whatever is appended, until the run has
    /// ended and everything is sent. A Redis message wakes the loop at once; without one it looks every second.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<JsonElement>> Follow(Guid runId, long cursor, BioDbContext db, RunEventLog log,
        IConnectionMultiplexer redis, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ChannelMessageQueue? wakeUps = null;
        try
        {
            wakeUps = await redis.GetSubscriber().SubscribeAsync(RunEventLog.Channel(runId));
        }
        catch (RedisException)
        {
            // Polling alone still delivers everything.
        }
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = await log.ReadAsync(runId, cursor, 500, cancellationToken);
                foreach (var e in batch)
                {
                    cursor = e.Sequence;
                    yield return new SseItem<JsonElement>(JsonDocument.Parse(e.Data).RootElement.Clone(), e.Type)
                    {
                        EventId = e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    };
                }
                if (batch.Count == 500)
                {
                    continue;
                }
                if (batch.Count > 0 && RunEventTypes.EndsRun(batch[^1].Type))
                {
                    yield break;
                }
                // A run without an ending event (a code run) ends the stream once it is finished and all is sent.
                var status = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => r.Status).SingleAsync(cancellationToken);
                if (status.IsTerminal() && (await log.ReadAsync(runId, cursor, 1, cancellationToken)).Count == 0)
                {
                    yield break;
                }
                await WaitAsync(wakeUps, cancellationToken);
            }
        }
        finally
        {
            if (wakeUps is not null)
            {
                await wakeUps.UnsubscribeAsync();
            }
        }
    }

    private static async Task WaitAsync(ChannelMessageQueue? wakeUps, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Poll);
        try
        {
            if (wakeUps is null)
            {
                await Task.Delay(Poll, cancellationToken);
                return;
            }
            await wakeUps.ReadAsync(timeout.Token);
            // Several appends may have woken us: drain what is queued, one read of the log covers them all.
            while (wakeUps.TryRead(out _))
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
