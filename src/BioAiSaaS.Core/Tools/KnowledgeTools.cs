using System.ComponentModel;
using System.Text.Json.Serialization;
using BioAiSaaS.Core.Knowledge;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Core.Tools;

/// <summary>Where <c>search_knowledge</c> looks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KnowledgeScope>))]
public enum KnowledgeScope
{
    /// <summary>The run's project documents and the built-in library.</summary>
    Both,
    /// <summary>The run's project documents only.</summary>
    Project,
    /// <summary>The built-in library only: know-how and the tools' descriptions.</summary>
    Library,
}

/// <summary>A passage the answer can cite as [Number], with what a reader needs to find it.</summary>
public sealed record Citation(int Number, string Title, string? Location, string Snippet, string Scope, string Kind,
    double Score, Guid DocumentId, long ChunkId, string? Source, string? Licence);

/// <summary>What <c>search_knowledge</c> returns.</summary>
public sealed record KnowledgeCitations(string Query, IReadOnlyList<Citation> Passages);

public static class KnowledgeTools
{
    public const int MaxPassages = 20;

    /// <summary>
    /// <c>search_knowledge</c>: hybrid search (<see cref="KnowledgeSearch"/>) over the run's project and the library,
    /// as the caller's tenant (row-level security applies). Passages come numbered for citation.
    /// </summary>
    public static ResearchTool SearchKnowledge { get; } = new("knowledge", AIFunctionFactory.Create(SearchAsync, new AIFunctionFactoryOptions
    {
        Name = "search_knowledge",
        Description = "Search the project's uploaded documents and the built-in library (biology know-how and the "
            + "descriptions of the available tools) by meaning and by exact terms such as gene symbols and accession "
            + "numbers. Returns numbered passages with title, location and snippet; cite them as [n] in the answer.",
    }));

    private static async Task<KnowledgeCitations> SearchAsync(
        IServiceProvider services,
        [Description("What to look for: a question, gene or protein symbols, accession numbers.")] string query,
        [Description("Where to look: both (default), project (the run's documents) or library (know-how and tools).")] KnowledgeScope scope = KnowledgeScope.Both,
        [Description("How many passages to return, 1 to 20 (default 5).")] int k = 5,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("query must not be empty.", nameof(query));
        }
        if (k is < 1 or > MaxPassages)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and {MaxPassages}.");
        }
        var search = services.GetRequiredService<KnowledgeSearch>();
        var project = services.GetRequiredService<ToolContext>().ProjectId;
        var commercialOnly = services.GetService<IOptions<KnowledgeOptions>>()?.Value.CommercialMode ?? false;

        var found = new List<(Passage Passage, string Scope)>();
        if (scope != KnowledgeScope.Library && project is { } projectId)
        {
            found.AddRange((await search.SearchAsync(new KnowledgeQuery(query, k, projectId), cancellationToken)).Passages
                .Select(p => (p, "project")));
        }
        if (scope != KnowledgeScope.Project)
        {
            found.AddRange((await search.SearchAsync(new KnowledgeQuery(query, k, CommercialOnly: commercialOnly), cancellationToken)).Passages
                .Select(p => (p, "library")));
        }
        // Both searches score by reciprocal rank fusion on the same scale, so one ordering can merge them.
        var citations = found.OrderByDescending(f => f.Passage.Score).ThenBy(f => f.Passage.ChunkId).Take(k)
            .Select((f, i) => new Citation(i + 1, f.Passage.Title, f.Passage.Location, f.Passage.Snippet, f.Scope, f.Passage.Kind,
                Math.Round(f.Passage.Score, 5), f.Passage.DocumentId, f.Passage.ChunkId, f.Passage.Source, f.Passage.Licence))
            .ToList();
        return new KnowledgeCitations(query, citations);
    }
}
