using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Workflows;

/// <summary>
/// Natural-language tasks without a language model, through the real stack: the tool is found by meaning among the
/// library's tool entries, its arguments read off the task, and the run carries it out — or a 422 says plainly why not.
/// On the stack without a language model (which is also the recovery tests' stack).
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class OfflinePlannerTests(RecoveryStackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reverse_complement_request_runs_the_reverse_complement_tool_on_the_sequence_it_names()
    {
        var (api, project) = await ProjectAsync();

        var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs",
            new { task = "What is the reverse complement of ATGCGTTAGC?" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<RunResponse>(Ct))!;
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var answer = Assert.Single(finished.Steps!);
        Assert.Equal("GCTAACGCAT", answer.Output!.Value.GetProperty("sequence").GetString());
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal("reverse_complement", events.Single(e => e.Type == RunEventTypes.ToolCallStart).Data.GetProperty("toolCallName").GetString());
    }

    [Theory]
    [InlineData("Translate ATGGCCATTGAATTCTAA into a protein", "translate")]
    [InlineData("Where do EcoRI and BamHI cut GAATTCAAGGATCC?", "restriction_map")]
    [InlineData("What is the melting temperature of the primer AGCGTAGCTAGGCTAACGTT?", "primer_tm")]
    [InlineData("Find SpCas9 guide RNAs in ATGCTGACGTAGCTAGCTAGGCTAGCTAGCGGATCGATCGATCGTAGG", "find_crispr_guides")]
    public async Task A_task_runs_the_tool_that_matches_it_by_meaning(string task, string tool)
    {
        var (api, project) = await ProjectAsync();

        var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs", new { task }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<RunResponse>(Ct))!;
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal(tool, events.Single(e => e.Type == RunEventTypes.ToolCallStart).Data.GetProperty("toolCallName").GetString());
        Assert.Equal(RunStatus.Succeeded, finished.Status);
    }

    [Fact]
    public async Task A_task_whose_tool_needs_what_it_does_not_say_gets_a_plain_422_and_no_run()
    {
        var (api, project) = await ProjectAsync();

        var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs",
            new { task = "Give me the reverse complement of my favourite gene" }, Ct);

        var problem = await HttpAssertions.AssertProblemAsync(response, (HttpStatusCode)422);
        Assert.Contains("reverse_complement", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("needs a sequence", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("language model is not available", problem.Detail, StringComparison.Ordinal);
        var runs = await api.GetFromJsonAsync<List<RunResponse>>("/api/runs", Ct);
        Assert.Empty(runs!);
    }

    private Task<(HttpClient Api, Guid Project)> ProjectAsync() => stack.UserWithProjectAsync("plan");
}
