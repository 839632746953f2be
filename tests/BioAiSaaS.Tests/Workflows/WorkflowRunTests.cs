using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Workflows;

/// <summary>
/// Explicit workflows end to end through the real stack: submitted over HTTP, run by the Worker with real tools,
/// the sandbox and the knowledge base, followed over Server-Sent Events.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WorkflowRunTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Steps_run_in_dependency_order_share_the_session_and_pass_outputs_to_later_steps()
    {
        var (api, project) = await ProjectAsync();

        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "make", kind = "code", code = "x = 21\nx * 2" },
                new { id = "use", kind = "code", code = "print(x + 1)", dependsOn = Strings("make") },
                new { id = "kb", kind = "retrieve", query = "SpCas9 guide GC content", k = 3 },
                new
                {
                    id = "search", kind = "tool", tool = "search_knowledge", dependsOn = Strings("make"),
                    arguments = new { query = "PCR primer length ${make.output.value}", scope = "library", k = 2 },
                },
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.All(steps.Values, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.Equal("42", steps["make"].Output!.Value.GetProperty("value").GetString());
        Assert.Equal("22\n", steps["use"].Output!.Value.GetProperty("stdout").GetString()); // the session kept x
        Assert.Equal("Choosing SpCas9 guide RNAs", steps["kb"].Output!.Value.GetProperty("passages")[0].GetProperty("title").GetString());
        Assert.Equal("PCR primer length 42", steps["search"].Output!.Value.GetProperty("query").GetString());
        Assert.True(steps["use"].StartedAt >= steps["make"].FinishedAt);
    }

    [Fact]
    public async Task A_workflow_of_biology_tools_runs_without_a_language_model_and_passes_typed_outputs_along()
    {
        var (api, project) = await ProjectAsync();

        // The reverse complement of this strand is ATG GCC ATT GAA TTC TAA: M A I E F *, with an EcoRI site.
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "rc", kind = "tool", tool = "reverse_complement", arguments = new { sequence = "TTAGAATTCAATGGCCAT" } },
                new { id = "protein", kind = "tool", tool = "translate", arguments = new { sequence = "${rc.output.sequence}", to_stop = true }, dependsOn = Strings("rc") },
                new { id = "digest", kind = "tool", tool = "restriction_map", arguments = new { sequence = "${rc.output.sequence}", enzymes = Strings("EcoRI", "BamHI") }, dependsOn = Strings("rc") },
                new { id = "stats", kind = "tool", tool = "sequence_stats", arguments = new { sequence = "${rc.output.sequence}" }, dependsOn = Strings("rc") },
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.Equal("ATGGCCATTGAATTCTAA", steps["rc"].Output!.Value.GetProperty("sequence").GetString());
        Assert.Equal("MAIEF", steps["protein"].Output!.Value.GetProperty("protein").GetString());
        Assert.Equal(["EcoRI"], steps["digest"].Output!.Value.GetProperty("singleCutters").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(18, steps["stats"].Output!.Value.GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Sandbox_time_is_metered_once_per_code_step_attempt_under_a_permanent_key()
    {
        var (api, project) = await ProjectAsync();
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "a", kind = "code", code = "import time\ntime.sleep(0.2)" },
                new { id = "b", kind = "code", code = "print(1)", dependsOn = Strings("a") },
                new { id = "kb", kind = "retrieve", query = "PCR" }, // no sandbox: not metered
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        await using var db = stack.CreateDbContext();
        var usage = await db.UsageEvents.Where(u => u.RunId == run.Id).OrderBy(u => u.Key).ToListAsync(Ct);
        Assert.Equal([$"run:{run.Id}:step:a:attempt:1:sandbox", $"run:{run.Id}:step:b:attempt:1:sandbox"], usage.Select(u => u.Key));
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.Equal(steps["a"].Output!.Value.GetProperty("durationMs").GetInt64() / 1000m, usage[0].Quantity);
        Assert.True(usage[0].Quantity >= 0.2m);
        Assert.All(usage, u => Assert.Equal(("sandbox_seconds", "standard", project), (u.Kind, u.RateCard, u.ProjectId!.Value)));
        Assert.Equal(usage.Sum(u => u.Quantity), finished.Usage!["sandbox_seconds"]);
        // Recording the same key again counts nothing.
        var again = await new UsageRecorder(db).RecordAsync(new UsageEvent
        {
            Key = usage[0].Key, OwnerId = usage[0].OwnerId, RunId = run.Id, Kind = "sandbox_seconds", Quantity = 99, RateCard = "standard",
        }, Ct);
        Assert.False(again);
        Assert.Equal(2, await db.UsageEvents.CountAsync(u => u.RunId == run.Id, Ct));
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal(2, events.Count(e => e.Type == RunEventTypes.Usage));
    }

    [Fact]
    public async Task An_llm_step_asks_the_configured_model_with_earlier_outputs_quoted_and_meters_its_tokens()
    {
        var (api, project) = await ProjectAsync();
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "rc", kind = "tool", tool = "reverse_complement", arguments = new { sequence = "TTAGAATTCAATGGCCAT" } },
                new { id = "explain", kind = "llm", prompt = "Describe this sequence: ${rc.output.sequence}", dependsOn = Strings("rc") },
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var output = finished.Steps!.Single(s => s.Id == "explain").Output!.Value;
        var expected = FakeChatCompletions.AnswerPrefix + "Describe this sequence: ATGGCCATTGAATTCTAA";
        Assert.Equal(expected, output.GetProperty("text").GetString());
        var request = stack.LanguageModel.Requests.Single(r => r.Body.GetProperty("messages")[1].GetProperty("content").GetString()!.EndsWith("ATGGCCATTGAATTCTAA", StringComparison.Ordinal));
        Assert.Equal($"Bearer {FakeChatCompletions.ApiKey}", request.Authorization);
        Assert.Equal(FakeChatCompletions.Model, request.Body.GetProperty("model").GetString());
        Assert.StartsWith("You are a careful biomedical research assistant", request.Body.GetProperty("messages")[0].GetProperty("content").GetString(), StringComparison.Ordinal);
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal(expected, string.Concat(events.Where(e => e.Type == RunEventTypes.TextMessageContent).Select(e => e.Data.GetProperty("delta").GetString())));
        await using var db = stack.CreateDbContext();
        var tokens = await db.UsageEvents.Where(u => u.RunId == run.Id).ToDictionaryAsync(u => u.Kind, Ct);
        Assert.Equal(FakeChatCompletions.Model, tokens[UsageKinds.LlmInputTokens].Model);
        Assert.Equal(7m, tokens[UsageKinds.LlmOutputTokens].Quantity); // "Scripted answer to: Describe this sequence: ATG…" is 7 words
    }

    [Fact]
    public async Task The_tool_list_gives_every_registered_tool_with_its_parameters_schema()
    {
        var (api, _) = await ProjectAsync();

        var tools = await api.GetFromJsonAsync<List<JsonElement>>("/api/tools", Ct);

        Assert.Equal(18, tools!.Count); // 15 for biology, search_knowledge, list_documents and read_document
        var reverse = tools.Single(t => t.GetProperty("name").GetString() == "reverse_complement");
        Assert.Equal("sequence", reverse.GetProperty("category").GetString());
        Assert.Equal(["sequence"], reverse.GetProperty("parameters").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(tools, t => t.GetProperty("name").GetString() == "search_knowledge");
    }

    [Fact]
    public async Task Independent_steps_overlap_and_max_parallel_one_runs_them_one_after_another()
    {
        var (api, project) = await ProjectAsync();
        object Steps() => new object[]
        {
            new { id = "slow", kind = "code", code = "import time\ntime.sleep(1.5)" },
            new { id = "kb", kind = "retrieve", query = "codon usage" },
        };

        var parallel = await SubmitAsync(api, project, new { steps = Steps() });
        var serial = await SubmitAsync(api, project, new { steps = Steps(), maxParallel = 1 });
        var (together, _) = await api.WaitForFinishAsync(parallel.Id);
        var (oneByOne, _) = await api.WaitForFinishAsync(serial.Id);

        var a = together.Steps!.ToDictionary(s => s.Id);
        Assert.True(a["kb"].StartedAt < a["slow"].FinishedAt && a["slow"].StartedAt < a["kb"].FinishedAt,
            "with the default parallelism the retrieve step ran while the code step was sleeping");
        var b = oneByOne.Steps!.OrderBy(s => s.StartedAt).ToList();
        Assert.True(b[1].StartedAt >= b[0].FinishedAt, "with maxParallel 1 the second step started after the first ended");
    }

    [Fact]
    public async Task A_step_past_its_timeout_fails_with_the_reason_and_its_dependents_are_skipped()
    {
        var (api, project) = await ProjectAsync();
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "stuck", kind = "code", code = "import time\ntime.sleep(60)", timeoutSeconds = 2 },
                new { id = "after", kind = "retrieve", query = "PCR", dependsOn = Strings("stuck") },
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id, within: TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Failed, finished.Status);
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.Equal(StepStatus.Failed, steps["stuck"].Status);
        Assert.Equal("Timed out after 2 s.", steps["stuck"].Error);
        Assert.Equal(StepStatus.Skipped, steps["after"].Status);
    }

    [Fact]
    public async Task A_failed_step_skips_its_dependents_with_the_reason_and_the_run_fails_with_a_summary()
    {
        var (api, project) = await ProjectAsync();

        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "a", kind = "code", code = "1 / 0" },
                new { id = "b", kind = "code", code = "print('never')", dependsOn = Strings("a") },
                new { id = "c", kind = "retrieve", query = "never", dependsOn = Strings("b") },
                new { id = "d", kind = "retrieve", query = "qPCR delta-delta Ct" },
            },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Failed, finished.Status);
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.Equal(StepStatus.Failed, steps["a"].Status);
        Assert.Contains("ZeroDivisionError", steps["a"].Error, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Skipped, steps["b"].Status);
        Assert.Equal("Needs 'a', which failed.", steps["b"].Error);
        Assert.Equal("Needs 'b', which was skipped.", steps["c"].Error);
        Assert.Equal(StepStatus.Succeeded, steps["d"].Status);
        Assert.StartsWith("'a' failed: ZeroDivisionError", finished.Error, StringComparison.Ordinal);
        Assert.EndsWith("Skipped because of it: b, c.", finished.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_event_stream_follows_a_run_live_and_a_reconnect_with_Last_Event_ID_gets_exactly_what_was_missed()
    {
        var (api, project) = await ProjectAsync();
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "wait", kind = "code", code = "import time\ntime.sleep(1)\n'done'" },
                new { id = "kb", kind = "retrieve", query = "restriction cloning", dependsOn = Strings("wait") },
            },
        });

        // Connected while the run is still going: the stream carries it to its end, then closes.
        var live = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");

        Assert.Equal(Enumerable.Range(1, live.Count).Select(i => (long)i), live.Select(e => e.Id)); // 1, 2, 3 … no gap, no repeat
        Assert.Equal(RunEventTypes.RunStarted, live[0].Type);
        Assert.Equal(RunEventTypes.PlanCreated, live[1].Type);
        Assert.Equal(RunEventTypes.RunFinished, live[^1].Type);
        Assert.Contains(live, e => e.Type == RunEventTypes.CodeOutput && e.Data.GetProperty("value").GetString() == "'done'");
        var call = Assert.Single(live, e => e.Type == RunEventTypes.ToolCallStart);
        Assert.Equal("search_knowledge", call.Data.GetProperty("toolCallName").GetString());
        Assert.Contains(live, e => e.Type == RunEventTypes.ToolCallResult
            && e.Data.GetProperty("toolCallId").GetString() == call.Data.GetProperty("toolCallId").GetString());

        var resumed = await api.ReadToEndAsync($"/api/runs/{run.Id}/events", lastEventId: live[3].Id);
        Assert.Equal(live.Skip(4).Select(e => (e.Id, e.Type)), resumed.Select(e => (e.Id, e.Type)));
        var after = await api.ReadToEndAsync($"/api/runs/{run.Id}/events?after={live[^2].Id}");
        Assert.Equal(RunEventTypes.RunFinished, Assert.Single(after).Type);
    }

    [Fact]
    public async Task A_malformed_workflow_is_a_validation_problem_and_nothing_is_stored()
    {
        var (api, project) = await ProjectAsync();
        var before = await CountRunsAsync(project);

        var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs", new
        {
            workflow = new
            {
                steps = new object[]
                {
                    new { id = "a", kind = "retrieve", query = "x", dependsOn = Strings("b") },
                    new { id = "b", kind = "retrieve", query = "y", dependsOn = Strings("a") },
                },
            },
        }, Ct);

        await HttpAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("cycle", problem.GetProperty("errors").GetProperty("steps")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountRunsAsync(project));
    }

    [Fact]
    public async Task Another_users_project_and_run_events_are_not_found()
    {
        var (owner, project) = await ProjectAsync();
        var run = await SubmitAsync(owner, project, new { steps = new[] { new { id = "kb", kind = "retrieve", query = "PCR" } } });
        var (stranger, _) = await ProjectAsync();

        var submit = await stranger.PostAsJsonAsync($"/api/projects/{project}/runs",
            new { workflow = new { steps = new[] { new { id = "kb", kind = "retrieve", query = "PCR" } } } }, Ct);
        var events = await stranger.GetAsync($"/api/runs/{run.Id}/events", Ct);

        Assert.Equal(HttpStatusCode.NotFound, submit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_workflow_stops_its_step_skips_the_rest_and_ends_the_run_cancelled()
    {
        var (api, project) = await ProjectAsync();
        var run = await SubmitAsync(api, project, new
        {
            steps = new object[]
            {
                new { id = "long", kind = "code", code = "import time\ntime.sleep(120)" },
                new { id = "next", kind = "retrieve", query = "PCR", dependsOn = Strings("long") },
            },
        });
        await WaitForStepAsync(api, run.Id, "long", StepStatus.Running);

        var cancel = await api.PostAsync($"/api/runs/{run.Id}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        // Well before the cell's own two minutes: the work was stopped, not waited for.
        var (finished, _) = await api.WaitForFinishAsync(run.Id, within: TimeSpan.FromSeconds(20));

        Assert.Equal(RunStatus.Cancelled, finished.Status);
        var steps = finished.Steps!.ToDictionary(s => s.Id);
        Assert.Equal(StepStatus.Cancelled, steps["long"].Status);
        Assert.Equal(StepStatus.Skipped, steps["next"].Status);
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal(RunEventTypes.RunCancelled, events[^1].Type);
        var again = await api.PostAsync($"/api/runs/{run.Id}/cancel", null, Ct);
        await HttpAssertions.AssertProblemAsync(again, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Cancelling_a_running_code_run_ends_it_cancelled_and_a_stranger_cannot_cancel_it()
    {
        var (api, _) = await ProjectAsync();
        var (stranger, _) = await ProjectAsync();
        var (_, run) = await api.SubmitAsync("import time\ntime.sleep(120)", timeoutSeconds: 300);
        await api.WaitForStatusAsync(run.Id, RunStatus.Running);

        var denied = await stranger.PostAsync($"/api/runs/{run.Id}/cancel", null, Ct);
        var cancel = await api.PostAsync($"/api/runs/{run.Id}/cancel", null, Ct);
        var (finished, _) = await api.WaitForFinishAsync(run.Id, within: TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.NotFound, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(RunStatus.Cancelled, finished.Status);
        Assert.Equal("Cancelled at the client's request.", finished.Error);
    }

    private static async Task WaitForStepAsync(HttpClient api, Guid run, string step, StepStatus status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await api.GetRunAsync(run)).Steps?.FirstOrDefault(s => s.Id == step)?.Status != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"step {step} never became {status}");
            await Task.Delay(100, Ct);
        }
    }

    private static string[] Strings(params string[] items) => items;

    private Task<(HttpClient Api, Guid Project)> ProjectAsync() => stack.UserWithProjectAsync("wf");

    private static Task<RunResponse> SubmitAsync(HttpClient api, Guid project, object workflow) => api.SubmitProjectRunAsync(project, new { workflow });

    private async Task<int> CountRunsAsync(Guid project)
    {
        await using var db = stack.CreateDbContext();
        return await db.Runs.CountAsync(r => r.ProjectId == project, Ct);
    }
}
