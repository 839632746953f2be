using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>
/// Hybrid search on the stack's real PostgreSQL + pgvector, with real MiniLM embeddings, as the application's own
/// login under row-level security (the data is written as the owner, as the ingestion will).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class KnowledgeSearchTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Near neighbours for the embedding: transcripts and proteins of the same genes under other accessions.
    private static readonly string[] GenePassages =
    [
        "BRCA1 transcript NM_007294.4 encodes the breast cancer type 1 susceptibility protein, UniProt P38398.",
        "BRCA1 transcript variant NM_007300.4 encodes a longer isoform of the breast cancer type 1 susceptibility protein.",
        "BRCA1 transcript variant NM_007297.4 lacks exon 11 and encodes a shorter isoform of the BRCA1 protein.",
        "BRCA2 transcript NM_000059.4 encodes the breast cancer type 2 susceptibility protein, UniProt P51587.",
        "TP53 transcript NM_000546.6 encodes the tumour suppressor p53, UniProt P04637.",
        "PALB2 transcript NM_024675.4 encodes a partner and localiser of BRCA2, UniProt Q86YC2.",
    ];

    private const string PrimerPassage =
        "Designing PCR primers: aim for 18 to 24 nucleotides, a GC content between 40 and 60 percent and a melting " +
        "temperature of 55 to 65 °C, with no 3' complementarity that would let primers anneal to each other.";

    [Fact]
    public async Task An_exact_accession_is_found_by_hybrid_search_where_pure_vector_search_misses_it()
    {
        var (user, project, chunks) = await SeedProjectAsync([.. GenePassages, PrimerPassage]);
        var target = chunks[0];

        var vector = await SearchAsync(user, new KnowledgeQuery("NM_007294.4", K: 3, ProjectId: project, Mode: SearchMode.Vector));
        var hybrid = await SearchAsync(user, new KnowledgeQuery("NM_007294.4", K: 3, ProjectId: project));

        Assert.NotEqual(target, vector[0].ChunkId);
        Assert.Equal(target, hybrid[0].ChunkId);
        Assert.Equal(1, hybrid[0].TextRank);
        // Matches are marked in Markdown bold (the snippet ends up in Markdown answers).
        Assert.Contains("**NM**_**007294.4**", hybrid[0].Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_paraphrase_is_found_by_hybrid_search_where_pure_full_text_search_misses_it()
    {
        var (user, project, chunks) = await SeedProjectAsync([.. GenePassages, PrimerPassage]);
        var target = chunks[^1];
        const string paraphrase = "how long should oligos be to amplify a DNA fragment";

        var text = await SearchAsync(user, new KnowledgeQuery(paraphrase, K: 3, ProjectId: project, Mode: SearchMode.Text));
        var hybrid = await SearchAsync(user, new KnowledgeQuery(paraphrase, K: 3, ProjectId: project));

        Assert.DoesNotContain(text, p => p.ChunkId == target);
        Assert.Equal(target, hybrid[0].ChunkId);
        Assert.Equal(1, hybrid[0].VectorRank);
        Assert.Null(hybrid[0].TextRank);
    }

    [Fact]
    public async Task A_project_never_sees_another_projects_chunks_even_for_the_same_text()
    {
        var (alice, aliceProject, aliceChunks) = await SeedProjectAsync(GenePassages[..2]);
        var (bob, bobProject, bobChunks) = await SeedProjectAsync(GenePassages[..2]);

        var own = await SearchAsync(alice, new KnowledgeQuery("NM_007294.4 BRCA1", K: 10, ProjectId: aliceProject));
        var othersAsked = await SearchAsync(alice, new KnowledgeQuery("NM_007294.4 BRCA1", K: 10, ProjectId: bobProject));
        var bobsOwn = await SearchAsync(bob, new KnowledgeQuery("NM_007294.4 BRCA1", K: 10, ProjectId: bobProject));

        Assert.Equal(aliceChunks.Order(), own.Select(p => p.ChunkId).Order());
        Assert.Empty(othersAsked); // row-level security: Bob's rows do not exist for Alice
        Assert.Equal(bobChunks.Order(), bobsOwn.Select(p => p.ChunkId).Order());
    }

    [Fact]
    public async Task Commercial_mode_hides_library_sources_whose_licence_forbids_commercial_use()
    {
        var user = await NewUserAsync();
        var marker = $"zebrafish{Guid.NewGuid():N}"[..20];
        var open = await SeedDocumentAsync(null, null, $"Free protocol: {marker} morpholino injection at the one-cell stage.", commercialUse: true);
        var restricted = await SeedDocumentAsync(null, null, $"Non-commercial protocol: {marker} morpholino dosage tables.", commercialUse: false);

        var all = await SearchAsync(user, new KnowledgeQuery(marker, K: 10, Mode: SearchMode.Text));
        var commercial = await SearchAsync(user, new KnowledgeQuery(marker, K: 10, CommercialOnly: true, Mode: SearchMode.Text));

        Assert.Equal([open, restricted], all.Select(p => p.ChunkId).Order());
        Assert.Equal([open], commercial.Select(p => p.ChunkId));
    }

    private async Task<IReadOnlyList<Passage>> SearchAsync(Guid user, KnowledgeQuery query)
    {
        await using var db = await stack.CreateTenantDbContextAsync(user);
        return (await new KnowledgeSearch(db, KnowledgeSeed.Coverage).SearchAsync(query, Ct)).Passages;
    }

    private Task<Guid> NewUserAsync() => KnowledgeSeed.NewUserAsync(stack);

    private Task<(Guid User, Guid Project, long[] Chunks)> SeedProjectAsync(string[] passages) => KnowledgeSeed.ProjectAsync(stack, passages);

    private Task<long> SeedDocumentAsync(Guid? project, Guid? owner, string text, bool commercialUse) =>
        KnowledgeSeed.DocumentAsync(stack, project, owner, text, commercialUse);
}
