using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Runs;

/// <summary>The files a run produced (figures, tables, files its code wrote), listed and downloaded.</summary>
public static class RunArtifactsApi
{
    public static IEndpointRouteBuilder MapRunArtifactsApi(this IEndpointRouteBuilder app)
    {
        var artifacts = app.MapGroup("/api/runs/{id:guid}/artifacts").WithTags("Runs").RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        artifacts.MapGet("/", ListForClientAsync)
            .WithName("ListRunArtifacts")
            .WithSummary("The files a run produced");

        artifacts.MapGet("/{artifactId:guid}", DownloadAsync)
            .WithName("DownloadRunArtifact")
            .WithSummary("Download a file a run produced")
            .WithDescription("The bytes with their content type; a SHA-256 ETag lets clients cache them.");
        return app;
    }

    public static async Task<List<ArtifactResponse>> ListAsync(BioDbContext db, Guid runId, CancellationToken cancellationToken) =>
        [.. (await db.RunArtifacts.AsNoTracking().Where(a => a.RunId == runId).OrderBy(a => a.CreatedAt).ThenBy(a => a.Name)
                .Select(a => new { a.Id, a.RunId, a.StepId, a.Name, a.MimeType, a.Size, a.Sha256, a.CreatedAt })
                .ToListAsync(cancellationToken))
            .Select(a => new ArtifactResponse(a.Id, a.StepId, a.Name, a.MimeType, a.Size, a.Sha256, a.CreatedAt, $"/api/runs/{a.RunId}/artifacts/{a.Id}"))];

    private static async Task<Results<Ok<List<ArtifactResponse>>, ProblemHttpResult>> ListForClientAsync(Guid id, HttpContext context, BioDbContext db,
        CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        if (!await db.Runs.AnyAsync(r => r.Id == id && r.OwnerId == owner, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Run not found", $"There is no run with id '{id}'.");
        }
        return TypedResults.Ok(await ListAsync(db, id, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadAsync(Guid id, Guid artifactId, HttpContext context,
        BioDbContext db, CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        var artifact = await db.RunArtifacts.AsNoTracking()
            .FirstOrDefaultAsync(a => a.Id == artifactId && a.RunId == id && a.OwnerId == owner, cancellationToken);
        if (artifact is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Artifact not found", $"Run '{id}' has no artifact '{artifactId}'.");
        }
        return TypedResults.File(artifact.Content, artifact.MimeType, Path.GetFileName(artifact.Name),
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{artifact.Sha256}\""));
    }
}
