using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Runs;

public static class RunsApi
{
    /// <summary>Generous for 64 KiB of code in JSON; a larger body is refused before it is read.</summary>
    private const long MaxRequestBodyBytes = 1 << 20;

    public static IHostApplicationBuilder AddRunsFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RunDispatcher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs");

        runs.MapPost("/", SubmitAsync)
            .WithName("SubmitRun")
            .WithSummary("Submit code to run in the sandbox")
            .WithDescription("Accepts the run and queues it; poll the Location for its status and output.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        runs.MapGet("/{id:guid}", GetAsync)
            .WithName("GetRun")
            .WithSummary("Get a run's status and, once finished, its output")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<Results<Accepted<RunResponse>, ValidationProblem>> SubmitAsync(
        CodeSubmission submission, BioDbContext db, RunDispatcher dispatcher, CancellationToken cancellationToken)
    {
        if (!submission.TryValidate(out var request, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        var run = new Run
        {
            Id = Guid.CreateVersion7(),
            Language = request.Language,
            Code = request.Code,
            TimeoutSeconds = request.TimeoutSeconds,
            Status = RunStatus.Queued,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        // Committed before it is queued: once we answer 202 the run exists, whatever happens to Redis.
        await db.SaveChangesAsync(cancellationToken);
        await dispatcher.TryDispatchAsync(run.Id, CancellationToken.None);

        return TypedResults.Accepted($"/api/runs/{run.Id}", RunResponse.From(run));
    }

    private static async Task<Results<Ok<RunResponse>, NotFound<ProblemDetails>>> GetAsync(
        Guid id, BioDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return run is null
            ? TypedResults.NotFound(new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Run not found",
                Detail = $"There is no run with id '{id}'.",
            })
            : TypedResults.Ok(RunResponse.From(run));
    }
}
