using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Workflows;

/// <summary>
/// Research tasks with a language model: the planner role turns the task into a workflow (the model is a scripted
/// chat-completions server over HTTP, so the real client, prompts and parsing run), the workflow runs, and its closing
/// llm step is the answer.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TaskPlanningTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Plan(string translateArguments) => $$$"""
        {"steps": [
          {"id": "rc", "kind": "tool", "tool": "reverse_complement", "arguments": {"sequence": "TTAGAATTCAATGGCCAT"}},
          {"id": "tr", "kind": "tool", "tool": "translate", "arguments": {{{translateArguments}}}, "dependsOn": ["rc"]},
          {"id": "answer", "kind": "llm", "prompt": "Report the protein ${tr.output.protein}", "dependsOn": ["tr"]}
        ]}
        """;

    [Fact]
    public async Task A_task_is_planned_by_the_model_into_a_workflow_whose_answer_step_answers_it()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(marker, _ => "Here is the plan:\n```json\n" + Plan("""{"sequence": "${rc.output.sequence}", "to_stop": true}""") + "\n```");

        var run = await SubmitTaskAsync(api, project, $"[{marker}] Which protein does the reverse complement of TTAGAATTCAATGGCCAT encode?");
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunKind.Task, finished.Kind);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(FakeChatCompletions.AnswerPrefix + "Report the protein MAIEF", finished.Answer);
        Assert.Equal(["rc", "tr", "answer"], finished.Steps!.OrderBy(s => s.StartedAt).Select(s => s.Id));
        var planning = Assert.Single(stack.LanguageModel.RequestsFor(marker));
        var system = planning.GetProperty("messages")[0].GetProperty("content").GetString()!;
        Assert.StartsWith("You are the planner of a biomedical research agent.", system, StringComparison.Ordinal);
        Assert.Contains("- reverse_complement: ", system, StringComparison.Ordinal); // the tools are offered with their schemas
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal([RunEventTypes.RunStarted, RunEventTypes.PlanCreated], events.Take(2).Select(e => e.Type));
        await using var db = stack.CreateDbContext();
        Assert.True(await db.UsageEvents.AnyAsync(u => u.RunId == run.Id && u.Key.StartsWith($"run:{run.Id}:plan:attempt:1:call:1:"), Ct));
    }

    [Fact]
    public async Task An_invalid_plan_goes_back_to_the_model_with_the_errors_once()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        // First an argument the tool does not have, then the corrected plan.
        stack.LanguageModel.Script(marker, call => call == 1
            ? Plan("""{"sequence": "${rc.output.sequence}", "frame": 2}""")
            : Plan("""{"sequence": "${rc.output.sequence}", "to_stop": true}"""));

        var run = await SubmitTaskAsync(api, project, $"[{marker}] Translate the reverse complement of TTAGAATTCAATGGCCAT");
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var requests = stack.LanguageModel.RequestsFor(marker);
        Assert.Equal(2, requests.Count(r => r.GetProperty("messages")[0].GetProperty("content").GetString()!.StartsWith("You are the planner", StringComparison.Ordinal)));
        var correction = requests[1].GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
        Assert.Contains("'translate' has no parameter 'frame'", correction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_that_never_plans_validly_fails_the_run_with_the_reason()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(marker, _ => "I would rather chat about the weather.");

        var run = await SubmitTaskAsync(api, project, $"[{marker}] Design primers for BRCA1 exon 11");
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Failed, finished.Status);
        Assert.StartsWith("The planner did not produce a valid workflow in 2 tries", finished.Error, StringComparison.Ordinal);
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal(RunEventTypes.RunError, events[^1].Type);
    }

    [Fact]
    public async Task A_follow_up_task_is_planned_knowing_the_projects_earlier_runs_and_their_answers()
    {
        var (api, project) = await ProjectAsync();
        var first = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(first, _ => Plan("""{"sequence": "${rc.output.sequence}", "to_stop": true}"""));
        var earlier = await SubmitTaskAsync(api, project, $"[{first}] Which protein is encoded?");
        await api.WaitForFinishAsync(earlier.Id);
        var second = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(second, _ => Plan("""{"sequence": "${rc.output.sequence}"}"""));

        var followUp = await SubmitTaskAsync(api, project, $"[{second}] Now compare it with the earlier result");
        await api.WaitForFinishAsync(followUp.Id);

        var context = stack.LanguageModel.RequestsFor(second)[0].GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains("Earlier runs in this project:", context, StringComparison.Ordinal);
        Assert.Contains($"[{first}] Which protein is encoded?", context, StringComparison.Ordinal);
        Assert.Contains("Report the protein MAIEF", context, StringComparison.Ordinal); // the earlier answer
    }

    private Task<(HttpClient Api, Guid Project)> ProjectAsync() => stack.UserWithProjectAsync("task");

    private static Task<RunResponse> SubmitTaskAsync(HttpClient api, Guid project, string task) => api.SubmitProjectRunAsync(project, new { task });
}
