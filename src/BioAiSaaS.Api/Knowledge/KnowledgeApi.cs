using System.Globalization;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Projects;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Knowledge;

/// <summary>Knowledge search: a project's documents, or the built-in library.</summary>
public static class KnowledgeApi
{
    public const int MaxQueryLength = 500;

    public static IHostApplicationBuilder AddKnowledgeFeature(this IHostApplicationBuilder builder)
    {
        builder.AddEmbeddings();
        builder.AddValidatedOptions<KnowledgeOptions>(KnowledgeOptions.Section);
        return builder;
    }

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projects/{id:guid}/knowledge/search", SearchProjectAsync)
            .WithTags("Knowledge").WithName("SearchProjectKnowledge")
            .WithSummary("Search a project's documents")
            .WithDescription("Hybrid ranking: vector similarity and full text fused by reciprocal rank fusion. Passages carry title, location, score and a snippet for citations; `model` names the embedding model that ranked the vector leg.")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/knowledge/search", SearchLibraryAsync)
            .WithTags("Knowledge").WithName("SearchLibrary")
            .WithSummary("Search the built-in library (tools and know-how)")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<KnowledgeResults>, ValidationProblem, ProblemHttpResult>> SearchProjectAsync(
        Guid id, string? q, int? k, string[]? kind, string? mode, HttpContext context, BioDbContext db, KnowledgeSearch search,
        CancellationToken cancellationToken)
    {
        if (!TryParse(q, k, kind, mode, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await ProjectsApi.FindAsync(db, context, id, cancellationToken) is null)
        {
            return ProjectsApi.NotFound();
        }
        return TypedResults.Ok(await search.SearchAsync(query with { ProjectId = id }, cancellationToken));
    }

    private static async Task<Results<Ok<KnowledgeResults>, ValidationProblem>> SearchLibraryAsync(
        string? q, int? k, string[]? kind, string? mode, KnowledgeSearch search, IOptions<KnowledgeOptions> options,
        CancellationToken cancellationToken)
    {
        if (!TryParse(q, k, kind, mode, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        query = query with { CommercialOnly = options.Value.CommercialMode };
        return TypedResults.Ok(await search.SearchAsync(query, cancellationToken));
    }

    private static bool TryParse(string? q, int? k, string[]? kinds, string? mode, out KnowledgeQuery query,
        out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (string.IsNullOrWhiteSpace(q) || q.Length > MaxQueryLength)
        {
            errors["q"] = [string.Create(CultureInfo.InvariantCulture, $"Required, at most {MaxQueryLength} characters.")];
        }
        var count = k ?? 10;
        if (count is < 1 or > KnowledgeSearch.MaxK)
        {
            errors["k"] = [string.Create(CultureInfo.InvariantCulture, $"Must be between 1 and {KnowledgeSearch.MaxK}; got {count}.")];
        }
        var searchMode = SearchMode.Hybrid;
        if (mode is not null && !Enum.TryParse(mode, ignoreCase: true, out searchMode))
        {
            errors["mode"] = ["One of hybrid, vector, text."];
        }
        query = new KnowledgeQuery(q ?? "", count, Kinds: kinds is { Length: > 0 } ? kinds : null, Mode: searchMode);
        return errors.Count == 0;
    }
}
