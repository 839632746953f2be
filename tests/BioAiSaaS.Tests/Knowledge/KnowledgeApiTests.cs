using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>Projects and knowledge search through the real Api (accounts, row-level security, the local model in the Api).</summary>
[Collection(StackCollection.Name)]
public sealed class KnowledgeApiTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record ProjectResponse(Guid Id, string Name, string? Description, DateTimeOffset CreatedAt);

    [Fact]
    public async Task A_project_is_created_listed_and_read_by_its_owner_and_absent_for_anyone_else()
    {
        var created = await stack.Api.PostAsJsonAsync("/api/projects", new { name = "CRISPR screen", description = "guides for TP53" }, Ct);
        var project = await created.ReadAsync<ProjectResponse>(HttpStatusCode.Created);
        var listed = await stack.Api.GetFromJsonAsync<List<ProjectResponse>>("/api/projects", Ct);
        var stranger = await AccountsClient.CreateVerifiedUserAsync(stack, "stranger");
        using var strangerApi = stack.CreateApiClient(accessToken: stranger.Tokens.AccessToken);

        var seenByStranger = await strangerApi.GetAsync($"/api/projects/{project.Id}", Ct);

        Assert.Equal($"/api/projects/{project.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal("CRISPR screen", project.Name);
        Assert.Contains(listed!, p => p.Id == project.Id);
        Assert.Equal(project, await stack.Api.GetFromJsonAsync<ProjectResponse>($"/api/projects/{project.Id}", Ct));
        await seenByStranger.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("""{}""", "name")]
    public async Task An_invalid_project_is_a_validation_problem_and_stores_nothing(string json, string field)
    {
        var before = (await stack.Api.GetFromJsonAsync<List<ProjectResponse>>("/api/projects", Ct))!.Count;

        var response = await stack.Api.PostAsync("/api/projects", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);

        await response.AssertValidationProblemAsync(field);
        Assert.Equal(before, (await stack.Api.GetFromJsonAsync<List<ProjectResponse>>("/api/projects", Ct))!.Count);
    }

    [Fact]
    public async Task Searching_a_project_returns_ranked_passages_with_what_a_citation_needs()
    {
        var (user, project, chunks) = await KnowledgeSeed.ProjectAsync(stack, [
            "BRCA1 transcript NM_007294.4 encodes the breast cancer type 1 susceptibility protein, UniProt P38398.",
            "TP53 transcript NM_000546.6 encodes the tumour suppressor p53, UniProt P04637.",
        ]);
        using var api = await ClientForAsync(user);

        var results = await api.GetFromJsonAsync<KnowledgeResults>($"/api/projects/{project}/knowledge/search?q=P38398&k=5", Ct);

        Assert.Equal(LocalEmbeddingGenerator.ModelName, results!.Model);
        var top = results.Passages[0];
        Assert.Equal(chunks[0], top.ChunkId);
        Assert.Equal("text", top.Kind);
        Assert.StartsWith("BRCA1 transcript", top.Title, StringComparison.Ordinal);
        Assert.Contains("**P38398**", top.Snippet, StringComparison.Ordinal);
        Assert.True(top.Score > 0);
        Assert.Equal("CC-BY-4.0", top.Licence);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?k=5")]
    [InlineData("?q=BRCA1&k=0")]
    [InlineData("?q=BRCA1&k=51")]
    [InlineData("?q=BRCA1&mode=fuzzy")]
    public async Task A_bad_search_is_a_validation_problem(string query)
    {
        var created = await stack.Api.PostAsJsonAsync("/api/projects", new { name = "validation" }, Ct);
        var project = await created.ReadAsync<ProjectResponse>(HttpStatusCode.Created);

        var response = await stack.Api.GetAsync($"/api/projects/{project.Id}/knowledge/search{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Searching_someone_elses_project_is_not_found()
    {
        var (_, project, _) = await KnowledgeSeed.ProjectAsync(stack, ["PALB2 partners BRCA2 in homologous recombination."]);

        var response = await stack.Api.GetAsync($"/api/projects/{project}/knowledge/search?q=PALB2", Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<HttpClient> ClientForAsync(Guid user)
    {
        // KnowledgeSeed created the user with the shared test password; sign in as them.
        var email = await UserEmailAsync(user);
        var tokens = await stack.AnonymousApi.SignInAsync(email);
        return stack.CreateApiClient(accessToken: tokens.AccessToken);
    }

    private async Task<string> UserEmailAsync(Guid user)
    {
        await using var db = stack.CreateDbContext();
        return (await db.Users.FindAsync([user], Ct))!.Email!;
    }
}
