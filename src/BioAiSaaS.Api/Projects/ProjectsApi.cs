using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Projects;

/// <summary>
/// <c>/api/projects</c>: a researcher's workspaces. Their documents and knowledge hang off them (and, with the agent,
/// their runs). The runs scopes of API keys cover projects too.
/// </summary>
public static class ProjectsApi
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var projects = app.MapGroup("/api/projects").WithTags("Projects").RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        projects.MapPost("/", CreateAsync).WithName("CreateProject").WithSummary("Create a project")
            .RequireAuthorization(Policies.RunsWrite);
        projects.MapGet("/", ListAsync).WithName("ListProjects").WithSummary("The caller's projects, newest first");
        projects.MapGet("/{id:guid}", GetAsync).WithName("GetProject").WithSummary("Get a project")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public sealed record CreateProjectRequest(string? Name, string? Description);

    public sealed record ProjectResponse(Guid Id, string Name, string? Description, DateTimeOffset CreatedAt)
    {
        public static ProjectResponse From(Project project) => new(project.Id, project.Name, project.Description, project.CreatedAt);
    }

    private static async Task<Results<Created<ProjectResponse>, ValidationProblem>> CreateAsync(
        CreateProjectRequest request, HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            errors["name"] = [$"Required, at most {MaxNameLength} characters."];
        }
        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors["description"] = [$"At most {MaxDescriptionLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var project = new Project
        {
            Id = Guid.CreateVersion7(),
            OwnerId = context.User.RequiredUserId(),
            Name = name!,
            Description = request.Description,
            CreatedAt = DatabaseTime.UtcNow(),
        };
        db.Projects.Add(project);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/projects/{project.Id}", ProjectResponse.From(project));
    }

    private static async Task<Ok<List<ProjectResponse>>> ListAsync(HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        var projects = await db.Projects.AsNoTracking().Where(p => p.OwnerId == owner)
            .OrderByDescending(p => p.CreatedAt).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(projects.Select(ProjectResponse.From).ToList());
    }

    private static async Task<Results<Ok<ProjectResponse>, ProblemHttpResult>> GetAsync(Guid id, HttpContext context, BioDbContext db,
        CancellationToken cancellationToken) =>
        await FindAsync(db, context, id, cancellationToken) is { } project
            ? TypedResults.Ok(ProjectResponse.From(project))
            : NotFound();

    /// <summary>The caller's project, or null (another user's project is as absent as a missing one).</summary>
    public static Task<Project?> FindAsync(BioDbContext db, HttpContext context, Guid id, CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        return db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.OwnerId == owner, cancellationToken);
    }

    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem("No project with this id belongs to you.", statusCode: StatusCodes.Status404NotFound, title: "Project not found");
}
