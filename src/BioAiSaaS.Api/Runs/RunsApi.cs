using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace BioAiSaaS.Api.Runs;

public static class RunsApi
{
    /// <summary>Generous for 64 KiB of code in JSON; a larger body is refused before it is read.</summary>
    private const long MaxRequestBodyBytes = 1 << 20;

    public static IHostApplicationBuilder AddRunsFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RunDispatcher>();
        builder.Services.AddScoped<RunEventLog>();
        // Workflows are checked against the registered tools at submission.
        builder.Services.AddResearchTools();
        builder.Services.AddScoped<OfflinePlanner>();
        // Only to know whether llm steps can be accepted: the Worker is what calls the model.
        builder.AddValidatedOptions<LanguageModelOptions>(LanguageModelOptions.Section);
        builder.AddValidatedOptions<AgentOptions>(AgentOptions.Section);
        return builder;
    }

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        runs.MapPost("/", SubmitAsync)
            .WithName("SubmitRun")
            .WithSummary("Submit code to run in the sandbox")
            .WithDescription("Accepts the run and queues it; poll the Location for its status and output.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes))
            .RequireAuthorization(Policies.RunsWrite)
            .RequireRateLimit(RateLimitPolicy.RunSubmission)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        runs.MapGet("/", ListAsync)
            .WithName("ListRuns")
            .WithSummary("The caller's runs, newest first")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        runs.MapGet("/{id:guid}", GetAsync)
            .WithName("GetRun")
            .WithSummary("Get a run's status and, once finished, its output")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        runs.MapPost("/{id:guid}/cancel", CancelAsync)
            .WithName("CancelRun")
            .WithSummary("Cancel a run")
            .WithDescription("A queued run ends cancelled at once; a running one stops within about two seconds (its sandbox work is killed) and ends cancelled. A finished run answers 409.")
            .RequireAuthorization(Policies.RunsWrite)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext context, BioDbContext db, RunEventLog events, IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        // A queued run has no worker yet: it ends here (a worker's claim needs status 'Queued', so the row lock
        // orders the two). A running one keeps its status; its worker sees the request and stops.
        var statuses = await db.Database.SqlQuery<string>($"""
            UPDATE runs SET cancel_requested_at = coalesce(cancel_requested_at, now()),
                   status = CASE WHEN status = 'Queued' THEN 'Cancelled' ELSE status END,
                   finished_at = CASE WHEN status = 'Queued' THEN now() ELSE finished_at END,
                   error = CASE WHEN status = 'Queued' THEN {RunCancellation.Reason} ELSE error END
             WHERE id = {id} AND owner_id = {owner} AND status IN ('Queued', 'Running')
            RETURNING status AS "Value"
            """).ToListAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.OwnerId == owner, cancellationToken);
        if (run is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Run not found", $"There is no run with id '{id}'.");
        }
        if (statuses.Count == 0)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Run already finished", $"The run ended {run.Status.ToString().ToLowerInvariant()}.");
        }
        if (run.Status == RunStatus.Cancelled)
        {
            await events.AppendAsync(id, RunEventTypes.RunCancelled, null, new { runId = id, message = RunCancellation.Reason }, RunEventLog.RunEndedKey, cancellationToken);
        }
        else
        {
            try
            {
                await redis.GetSubscriber().PublishAsync(RunCancellation.Channel(id), "cancel");
            }
            catch (RedisException)
            {
                // The worker also polls the request it reads from PostgreSQL.
            }
        }
        return TypedResults.Accepted($"/api/runs/{id}", RunResponse.From(run));
    }

    private static async Task<Results<Accepted<RunResponse>, ValidationProblem>> SubmitAsync(
        CodeSubmission submission, HttpContext context, BioDbContext db, RunDispatcher dispatcher, CancellationToken cancellationToken)
    {
        if (!submission.TryValidate(out var request, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        var run = new Run
        {
            Id = Guid.CreateVersion7(),
            OwnerId = context.User.RequiredUserId(),
            Language = request.Language,
            Code = request.Code,
            TimeoutSeconds = request.TimeoutSeconds,
            Status = RunStatus.Queued,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        // Committed before it is queued: once we answer 202 the run exists, whatever happens to Redis.
        await db.SaveChangesAsync(cancellationToken);
        await dispatcher.TryDispatchAsync(new QueuedRun(run.Id, run.OwnerId), CancellationToken.None);

        return TypedResults.Accepted($"/api/runs/{run.Id}", RunResponse.From(run));
    }

    private static async Task<Results<Ok<List<RunResponse>>, ValidationProblem>> ListAsync(
        HttpContext context, BioDbContext db, int? limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        }
        var owner = context.User.RequiredUserId();
        var query = db.Runs.AsNoTracking().Where(r => r.OwnerId == owner);
        if (before is { } cursor)
        {
            query = query.Where(r => r.CreatedAt < cursor);
        }
        var runs = await query.OrderByDescending(r => r.CreatedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(runs.Select(r => RunResponse.From(r)).ToList());
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext context, BioDbContext db, RateCardCatalog rateCards, CancellationToken cancellationToken)
    {
        // Someone else's run is "not found", never "forbidden": ids of other tenants reveal nothing.
        var owner = context.User.RequiredUserId();
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.OwnerId == owner, cancellationToken);
        if (run is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Run not found", $"There is no run with id '{id}'.");
        }
        var steps = run.Kind is RunKind.Workflow or RunKind.Task
            ? await db.RunSteps.AsNoTracking().Where(s => s.RunId == id).ToListAsync(cancellationToken)
            : null;
        // What the run used, by kind (sandbox seconds; later, model tokens), as metered for billing.
        var usage = await db.UsageEvents.AsNoTracking().Where(u => u.RunId == id).GroupBy(u => u.Kind)
            .Select(g => new { Kind = g.Key, Quantity = g.Sum(u => u.Quantity) })
            .ToDictionaryAsync(u => u.Kind, u => u.Quantity, cancellationToken);
        var artifacts = steps is null ? null : await RunArtifactsApi.ListAsync(db, id, cancellationToken);
        return TypedResults.Ok(RunResponse.From(run, steps, usage, artifacts) with
        {
            // Once it has finished: clients poll a running run, and its cost is only settled at the end.
            Cost = steps is null || !run.Status.IsTerminal() ? null : await RunCosts.OfAsync(run, db, rateCards, cancellationToken),
        });
    }
}
