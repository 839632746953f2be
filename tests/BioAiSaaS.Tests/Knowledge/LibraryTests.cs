using System.Net.Http.Json;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.MigrationService;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>The built-in library the migration service seeded into the stack's database, searched through the Api.</summary>
[Collection(StackCollection.Name)]
public sealed class LibraryTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("which PAM does SpCas9 need", "Choosing SpCas9 guide RNAs")]
    [InlineData("how to compute fold change from Ct values", "Relative quantification in qPCR with the ΔΔCt method")]
    [InlineData("primer melting temperature", "PCR primer design rules of thumb")]
    [InlineData("NM_007294.4", "Common sequence file formats")]
    public async Task The_seeded_know_how_answers_questions_with_its_source_and_licence(string question, string title)
    {
        var results = await stack.Api.GetFromJsonAsync<KnowledgeResults>(
            $"/api/knowledge/search?q={Uri.EscapeDataString(question)}&k=3", Ct);

        Assert.Equal(LocalEmbeddingGenerator.ModelName, results!.Model);
        var top = results.Passages[0];
        Assert.Equal(title, top.Title);
        Assert.Equal("know-how", top.Kind);
        Assert.StartsWith("BioAiSaaS team", top.Source, StringComparison.Ordinal);
        Assert.Equal("CC-BY-4.0", top.Licence);
        Assert.StartsWith("section ", top.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeding_again_adds_nothing()
    {
        await using var db = stack.CreateDbContext();
        var before = await db.KnowledgeDocuments.CountAsync(d => d.ProjectId == null, Ct);

        var added = await new LibrarySeeder(db, new KnowledgeIndexer(KnowledgeSeed.Models),
                NullLogger<LibrarySeeder>.Instance)
            .SeedAsync(Path.Combine(AppContext.BaseDirectory, "Library"), Ct);

        Assert.Equal(0, added);
        Assert.True(before >= 8, $"{before} library entries");
        Assert.Equal(before, await db.KnowledgeDocuments.CountAsync(d => d.ProjectId == null, Ct));
    }
}
