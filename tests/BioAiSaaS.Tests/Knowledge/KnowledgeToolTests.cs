using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>
/// The knowledge base as the agent meets it: the <c>search_knowledge</c> tool, called as an <see cref="AIFunction"/>
/// with JSON arguments against the real database as the caller, and the library's entry for every registered tool.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class KnowledgeToolTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_registered_tool_has_a_library_entry_that_a_search_by_meaning_finds()
    {
        var registry = new ServiceCollection().AddResearchTools().BuildServiceProvider().GetRequiredService<ToolRegistry>();
        await using (var db = stack.CreateDbContext())
        {
            var entries = await db.KnowledgeDocuments.Where(d => d.ProjectId == null && d.Kind == "tool")
                .Select(d => d.Title).OrderBy(t => t).ToListAsync(Ct);
            Assert.Equal(registry.All.Select(t => t.Name).Order(StringComparer.Ordinal), entries);
        }

        // Worded unlike the description: found by meaning, as an agent looking for a tool would ask.
        var results = await stack.Api.GetFromJsonAsync<KnowledgeResults>(
            "/api/knowledge/search?q=" + Uri.EscapeDataString("look up passages in our papers to cite") + "&kind=tool&k=3", Ct);

        var top = results!.Passages[0];
        Assert.Equal("search_knowledge", top.Title);
        Assert.Equal("BioAiSaaS tool registry", top.Source);
    }

    [Fact]
    public async Task Search_knowledge_returns_numbered_citations_from_the_run_project_and_the_library_never_from_another_project()
    {
        var (user, project, chunks) = await KnowledgeSeed.ProjectAsync(stack, [
            "BRCA1 (UniProt P38398) forms a heterodimer with BARD1 that ubiquitinates histone H2A at damaged DNA.",
            "Primer pairs for the BRCA1 exon 11 amplicon were designed with a melting temperature of 60 C.",
        ]);
        var (_, _, othersChunks) = await KnowledgeSeed.ProjectAsync(stack, ["P38398 appears in another tenant's private notes."]);

        var answer = await InvokeAsync(user, project, new() { ["query"] = "P38398 BRCA1 primer design", ["k"] = 6 });

        Assert.Equal(Enumerable.Range(1, answer.Passages.Count), answer.Passages.Select(p => p.Number));
        Assert.Contains(answer.Passages, p => p.Scope == "project" && p.ChunkId == chunks[0]);
        Assert.Contains(answer.Passages, p => p.Scope == "library" && p.Title == "PCR primer design rules of thumb");
        Assert.DoesNotContain(answer.Passages, p => othersChunks.Contains(p.ChunkId));
        Assert.All(answer.Passages, p => Assert.False(string.IsNullOrEmpty(p.Snippet)));
    }

    [Fact]
    public async Task Search_knowledge_scoped_to_the_library_or_the_project_stays_there()
    {
        var (user, project, chunks) = await KnowledgeSeed.ProjectAsync(stack, ["Our SpCas9 guides for TP53 exon 5 were chosen for 50 percent GC."]);

        var library = await InvokeAsync(user, project, new() { ["query"] = "SpCas9 guide GC content", ["scope"] = "library" });
        var own = await InvokeAsync(user, project, new() { ["query"] = "SpCas9 guide GC content", ["scope"] = "project" });

        Assert.NotEmpty(library.Passages);
        Assert.All(library.Passages, p => Assert.Equal("library", p.Scope));
        Assert.Equal("Choosing SpCas9 guide RNAs", library.Passages[0].Title);
        Assert.Equal(chunks[0], Assert.Single(own.Passages).ChunkId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(21)]
    public async Task Search_knowledge_refuses_a_passage_count_out_of_range(int k)
    {
        var (user, project, _) = await KnowledgeSeed.ProjectAsync(stack, ["A passage."]);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => InvokeAsync(user, project, new() { ["query"] = "passage", ["k"] = k }));
    }

    [Fact]
    public void Search_knowledge_declares_its_parameters_as_a_JSON_schema_for_function_calling()
    {
        var schema = KnowledgeTools.SearchKnowledge.ParametersSchema;

        Assert.Equal(["query"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var properties = schema.GetProperty("properties");
        Assert.Equal("string", properties.GetProperty("query").GetProperty("type").GetString());
        Assert.Equal(["Both", "Project", "Library"], properties.GetProperty("scope").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.False(properties.TryGetProperty("services", out _)); // bound by the host, not by the model
    }

    private async Task<KnowledgeCitations> InvokeAsync(Guid user, Guid project, Dictionary<string, object?> arguments)
    {
        var services = new ServiceCollection();
        services.AddSingleton(KnowledgeSeed.Coverage);
        var db = await stack.CreateTenantDbContextAsync(user);
        services.AddScoped(_ => db);
        services.AddScoped<KnowledgeSearch>();
        services.AddScoped<ToolContext>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ToolContext>().ProjectId = project;

        var result = await KnowledgeTools.SearchKnowledge.Function.InvokeAsync(
            new AIFunctionArguments(arguments) { Services = scope.ServiceProvider }, Ct);

        return ((JsonElement)result!).Deserialize<KnowledgeCitations>(JsonSerializerOptions.Web)!;
    }
}
