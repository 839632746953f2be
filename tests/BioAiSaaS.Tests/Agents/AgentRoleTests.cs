using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Agents;

/// <summary>
/// The agent's roles carrying out llm steps against the scripted model over real HTTP (streamed, with function calls):
/// the analyst's write-run-fix loop in the run's sandbox and the artifacts it leaves, the researcher's tool calls and
/// the reporter's citations, the reviewer sending a step back, reasoning streamed as events, per-role and per-run
/// models, budgets, and input files.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AgentRoleTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsReviewer(ScriptedRequest request) => request.System.StartsWith("You are the Reviewer", StringComparison.Ordinal);

    [Fact]
    public async Task The_analyst_runs_code_reads_the_error_fixes_it_and_its_files_become_downloadable_artifacts()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        const string Fixed = """
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            import pandas as pd
            df = pd.DataFrame({"x": [1, 2, 3], "y": [2, 4, 6]})
            df.to_csv("table.csv", index=False)
            plt.plot(df.x, df.y)
            plt.savefig("plot.png")
            plt.close()
            ratio = float(df.y.sum() / df.x.sum())
            ratio
            """;
        stack.LanguageModel.Script(marker, r => IsReviewer(r) ? ScriptedReply.Say("""{"verdict": "accept", "reasons": "Computed and shown."}""")
            : r.ToolResults switch
            {
                0 => ScriptedReply.Call("run_python", new { code = "ratio = 1 / 0" }),
                1 => ScriptedReply.Call("run_python", new { code = Fixed }),
                _ => ScriptedReply.Say("The ratio is 2.0; the data is in table.csv and the plot in plot.png."),
            });

        var run = await SubmitAsync(api, project, new
        {
            workflow = new { steps = new object[] { new { id = "analyse", kind = "llm", role = "analyst", prompt = $"[{marker}] Compute y/x." } } },
            models = new { analyst = StackFixture.LargeModel },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var output = finished.Steps!.Single().Output!.Value;
        Assert.Equal("The ratio is 2.0; the data is in table.csv and the plot in plot.png.", output.GetProperty("text").GetString());
        Assert.Equal("analyst", output.GetProperty("role").GetString());
        Assert.Equal("accept", output.GetProperty("review").GetProperty("verdict").GetString());

        // Two executions in the run's session: the first failed and the model was shown why; the second worked.
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        var calls = events.Where(e => e.Type == RunEventTypes.ToolCallStart).Select(e => e.Data.GetProperty("toolCallName").GetString()).ToList();
        Assert.Equal(["run_python", "run_python"], calls);
        Assert.Contains("1 / 0", events.First(e => e.Type == RunEventTypes.ToolCallArgs).Data.GetProperty("delta").GetString(), StringComparison.Ordinal);
        var cells = events.Where(e => e.Type == RunEventTypes.CodeOutput).Select(e => e.Data).ToList();
        Assert.Equal(2, cells.Count);
        Assert.Equal("ZeroDivisionError", cells[0].GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("2.0", cells[1].GetProperty("value").GetString());
        var requests = stack.LanguageModel.RequestsFor(marker).Where(b => !b.GetProperty("messages")[0].GetProperty("content").GetString()!
            .StartsWith("You are the Reviewer", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, requests.Count);
        var shown = requests[1].GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "tool");
        Assert.Contains("ZeroDivisionError", shown.GetProperty("content").GetString(), StringComparison.Ordinal);
        // The run chose the analyst's model; the reviewer has its own (configured per role).
        Assert.All(requests, r => Assert.Equal(StackFixture.LargeModel, r.GetProperty("model").GetString()));
        var review = Assert.Single(stack.LanguageModel.RequestsFor(marker).Except(requests));
        Assert.Equal(StackFixture.ReviewerModel, review.GetProperty("model").GetString());

        // What the code wrote outlives the session: listed on the run and downloadable.
        var artifacts = finished.Artifacts!;
        var plot = Assert.Single(artifacts, a => a.Name == "plot.png");
        var table = Assert.Single(artifacts, a => a.Name == "table.csv");
        var png = await api.GetAsync(plot.Url, Ct);
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await png.Content.ReadAsByteArrayAsync(Ct))[..4]);
        Assert.Equal("x,y\n1,2\n2,4\n3,6\n", await api.GetStringAsync(table.Url, Ct));

        // Each execution's sandbox time is metered once, under its own key.
        await using var db = stack.CreateDbContext();
        var sandbox = await db.UsageEvents.Where(u => u.RunId == run.Id && u.Kind == UsageKinds.SandboxSeconds).Select(u => u.Key).ToListAsync(Ct);
        Assert.Equal(2, sandbox.Count);
        Assert.All(sandbox, key => Assert.Contains(":pass:1:exec:", key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_reviewer_sends_a_step_back_once_with_reasons_and_reasoning_streams_as_events()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        var reviews = 0;
        stack.LanguageModel.Script(marker, r =>
        {
            if (IsReviewer(r))
            {
                Interlocked.Increment(ref reviews);
                return ScriptedReply.Say("""{"verdict": "revise", "reasons": "Name the source of the claim."}""");
            }
            var sentBack = r.Messages.Any(m => m.GetProperty("role").GetString() == "user"
                && m.GetProperty("content").GetString()!.Contains("A reviewer sent your previous result back", StringComparison.Ordinal));
            return sentBack
                ? ScriptedReply.Say("BRCA1 takes part in homologous recombination (source: the project's notes).", "The reviewer wants the source named.")
                : ScriptedReply.Say("BRCA1 takes part in homologous recombination.", "Recalling what BRCA1 does in DNA repair.");
        });

        var run = await SubmitAsync(api, project, new
        {
            workflow = new { steps = new object[] { new { id = "find", kind = "llm", role = "researcher", prompt = $"[{marker}] What does BRCA1 do?" } } },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var output = finished.Steps!.Single().Output!.Value;
        Assert.Equal("BRCA1 takes part in homologous recombination (source: the project's notes).", output.GetProperty("text").GetString());
        Assert.Equal(2, output.GetProperty("pass").GetInt32());
        var review = output.GetProperty("review");
        Assert.Equal("revise", review.GetProperty("verdict").GetString());
        Assert.Equal("Name the source of the claim.", review.GetProperty("reasons").GetString());
        Assert.True(review.GetProperty("sentBack").GetBoolean());
        Assert.Equal(1, reviews); // once: the second result stands

        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        var reviewed = Assert.Single(events, e => e.Type == RunEventTypes.StepReviewed);
        Assert.Equal("revise", reviewed.Data.GetProperty("verdict").GetString());
        // Reasoning and text arrive as AG-UI message events, one message per pass, deltas adding up to what the model said.
        string Said(string type, int pass) => string.Concat(events
            .Where(e => e.Type == type && e.Data.GetProperty("messageId").GetString()!.Contains($"-pass-{pass}-", StringComparison.Ordinal))
            .Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal("Recalling what BRCA1 does in DNA repair.", Said(RunEventTypes.ReasoningMessageContent, 1));
        Assert.Equal("The reviewer wants the source named.", Said(RunEventTypes.ReasoningMessageContent, 2));
        Assert.Equal("BRCA1 takes part in homologous recombination.", Said(RunEventTypes.TextMessageContent, 1));
        Assert.Equal(2, events.Count(e => e.Type == RunEventTypes.ReasoningMessageStart));
        Assert.True(events.FindIndex(e => e.Type == RunEventTypes.ReasoningMessageEnd) < events.FindIndex(e => e.Type == RunEventTypes.TextMessageStart));
    }

    [Fact]
    public async Task The_researcher_calls_tools_with_arguments_and_the_reporter_cites_the_passages_it_found()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(marker, r => r.ToolResults == 0
            ? ScriptedReply.Call("search_knowledge", new { query = "restriction enzyme recognition site", k = 3 })
            : ScriptedReply.Say("Restriction enzymes cut at recognition sites (restriction_map)."));
        var reporter = marker + "-report";
        stack.LanguageModel.Script(reporter, _ => ScriptedReply.Say("Enzymes cut at their sites [1]."));

        var run = await SubmitAsync(api, project, new
        {
            workflow = new
            {
                steps = new object[]
                {
                    new { id = "find", kind = "llm", role = "researcher", prompt = $"[{marker}] How do restriction enzymes cut?" },
                    new { id = "answer", kind = "llm", role = "reporter", prompt = $"[{reporter}] Answer the question.", dependsOn = Strings("find") },
                },
            },
            review = false,
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        var start = Assert.Single(events, e => e.Type == RunEventTypes.ToolCallStart);
        Assert.Equal("search_knowledge", start.Data.GetProperty("toolCallName").GetString());
        var arguments = JsonDocument.Parse(Assert.Single(events, e => e.Type == RunEventTypes.ToolCallArgs).Data.GetProperty("delta").GetString()!).RootElement;
        Assert.Equal("restriction enzyme recognition site", arguments.GetProperty("query").GetString());
        Assert.Equal(3, arguments.GetProperty("k").GetInt32());
        var result = Assert.Single(events, e => e.Type == RunEventTypes.ToolCallResult).Data.GetProperty("content");
        Assert.Equal(start.Data.GetProperty("toolCallId").GetString(), events.Single(e => e.Type == RunEventTypes.ToolCallResult).Data.GetProperty("toolCallId").GetString());
        var found = result.GetProperty("passages").EnumerateArray().Select(p => p.GetProperty("title").GetString()).ToList();
        Assert.NotEmpty(found);

        // The researcher's step keeps what it found; the reporter is given it numbered, and the answer carries the list.
        var researched = finished.Steps!.Single(s => s.Id == "find").Output!.Value.GetProperty("citations");
        Assert.Equal(found, researched.EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        var brief = stack.LanguageModel.RequestsFor(reporter).Single().GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains("Sources (cite as [n]):\n[1] " + found[0], brief, StringComparison.Ordinal);
        Assert.Contains("Restriction enzymes cut at recognition sites (restriction_map).", brief, StringComparison.Ordinal);
        Assert.Equal("Enzymes cut at their sites [1].", finished.Answer);
        Assert.Equal(found, finished.Citations!.Value.EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.Equal(1, finished.Citations!.Value[0].GetProperty("number").GetInt32());
    }

    [Fact]
    public async Task A_task_is_planned_into_role_steps_and_a_follow_up_task_finds_the_earlier_runs_artifacts()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        string Plan(string m) => $$"""
            {"steps": [
              {"id": "lookup", "kind": "retrieve", "query": "restriction enzyme recognition site", "k": 2},
              {"id": "calc", "kind": "llm", "role": "analyst", "prompt": "[{{m}}-calc] Count the sites."},
              {"id": "answer", "kind": "llm", "role": "reporter", "prompt": "[{{m}}-answer] Report.", "dependsOn": ["lookup", "calc"]}
            ]}
            """;
        stack.LanguageModel.Script(marker, _ => ScriptedReply.Say(Plan(marker)));
        stack.LanguageModel.Script(marker + "-calc", r => r.ToolResults == 0
            ? ScriptedReply.Call("run_python", new { code = "open('counts.csv', 'w').write('enzyme,sites\\nEcoRI,2\\n')" })
            : ScriptedReply.Say("Wrote counts.csv."));
        stack.LanguageModel.Script(marker + "-answer", _ => ScriptedReply.Say("EcoRI cuts twice [1]."));

        var first = await SubmitAsync(api, project, new { task = $"[{marker}] Where does EcoRI cut?", review = false });
        var (done, _) = await api.WaitForFinishAsync(first.Id);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(RunKind.Task, done.Kind);
        Assert.Equal("EcoRI cuts twice [1].", done.Answer);
        Assert.Equal(2, done.Citations!.Value.GetArrayLength()); // the retrieve step's passages, numbered for the answer
        Assert.Equal("counts.csv", Assert.Single(done.Artifacts!).Name);

        // The follow-up's planner is told what the first run produced, and its analyst finds the file in its sandbox.
        // Longer than the first marker, which the follow-up's planner also sees (in the project's history): the longest match wins.
        var next = "follow-up-" + Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(next, _ => ScriptedReply.Say(Plan(next)));
        string? seen = null;
        stack.LanguageModel.Script(next + "-calc", r =>
        {
            if (r.ToolResults > 0)
            {
                seen = r.LastToolResult;
                return ScriptedReply.Say("Read it.");
            }
            var path = System.Text.RegularExpressions.Regex.Match(r.Messages[1].GetProperty("content").GetString()!, @"earlier/[0-9a-f]{32}/counts\.csv").Value;
            return ScriptedReply.Call("run_python", new { code = $"open('{path}').read()" });
        });
        stack.LanguageModel.Script(next + "-answer", _ => ScriptedReply.Say("Still two."));
        var second = await SubmitAsync(api, project, new { task = $"[{next}] Check the earlier count.", review = false });
        var (followed, _) = await api.WaitForFinishAsync(second.Id);

        Assert.Equal(RunStatus.Succeeded, followed.Status);
        var planning = stack.LanguageModel.RequestsFor(next).First().GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains($"Run {first.Id} (succeeded): [{marker}] Where does EcoRI cut? → EcoRI cuts twice [1].", planning, StringComparison.Ordinal);
        Assert.Contains($"earlier/{first.Id:N}/counts.csv", planning, StringComparison.Ordinal);
        var trail = string.Join("\n", (await api.ReadToEndAsync($"/api/runs/{second.Id}/events")).Select(e => $"{e.Type} {e.Data}"));
        Assert.True(seen?.Contains("EcoRI,2", StringComparison.Ordinal), trail);
    }

    [Fact]
    public async Task An_identical_request_of_the_same_tenant_is_answered_from_the_cache_and_not_billed_as_tokens()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        object Workflow() => new { workflow = new { steps = new object[] { new { id = "ask", kind = "llm", prompt = $"[{marker}] Define an ORF." } } } };

        var first = await SubmitAsync(api, project, Workflow());
        var (answered, _) = await api.WaitForFinishAsync(first.Id);
        var second = await SubmitAsync(api, project, Workflow());
        var (cached, _) = await api.WaitForFinishAsync(second.Id);

        Assert.Equal(RunStatus.Succeeded, cached.Status);
        Assert.Equal(answered.Steps!.Single().Output!.Value.GetProperty("text").GetString(), cached.Steps!.Single().Output!.Value.GetProperty("text").GetString());
        Assert.Single(stack.LanguageModel.RequestsFor(marker)); // the model was asked once
        Assert.True(answered.Usage!.ContainsKey(UsageKinds.LlmInputTokens));
        Assert.False(cached.Usage!.ContainsKey(UsageKinds.LlmInputTokens));
        Assert.Equal(answered.Usage[UsageKinds.LlmInputTokens] + answered.Usage[UsageKinds.LlmOutputTokens], cached.Usage[UsageKinds.LlmCacheHitTokens]);

        // Another tenant asking the very same gets its own answer from the model: cached answers are per tenant.
        var (otherApi, otherProject) = await ProjectAsync();
        var other = await SubmitAsync(otherApi, otherProject, Workflow());
        Assert.Equal(RunStatus.Succeeded, (await otherApi.WaitForFinishAsync(other.Id)).Run.Status);
        Assert.Equal(2, stack.LanguageModel.RequestsFor(marker).Count);
    }

    [Fact]
    public async Task A_model_endpoint_failing_with_503_is_retried_and_the_step_succeeds()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(marker, r => r.Call == 1 ? new ScriptedReply(Status: 503) : ScriptedReply.Say("Recovered."));

        var run = await SubmitAsync(api, project, new
        {
            workflow = new { steps = new object[] { new { id = "ask", kind = "llm", prompt = $"[{marker}] Say something." } } },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal("Recovered.", finished.Steps!.Single().Output!.Value.GetProperty("text").GetString());
        Assert.Equal(2, stack.LanguageModel.RequestsFor(marker).Count);
    }

    [Fact]
    public async Task A_run_that_spends_its_token_budget_stops_with_budget_exhausted()
    {
        var (api, project) = await ProjectAsync();
        var marker = Guid.NewGuid().ToString("N");
        stack.LanguageModel.Script(marker, _ => ScriptedReply.Say(string.Join(' ', Enumerable.Repeat("word", 200))));

        var run = await SubmitAsync(api, project, new
        {
            workflow = new
            {
                steps = new object[]
                {
                    new { id = "first", kind = "llm", role = "researcher", prompt = $"[{marker}] Say a lot." },
                    new { id = "second", kind = "llm", role = "reporter", prompt = $"[{marker}] Say more.", dependsOn = Strings("first") },
                },
            },
            budget = new { maxTokens = 100 },
            review = false,
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Failed, finished.Status);
        Assert.Contains("budget_exhausted", finished.Error, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Skipped, finished.Steps!.Single(s => s.Id == "second").Status);
        var events = await api.ReadToEndAsync($"/api/runs/{run.Id}/events");
        Assert.Equal("budget_exhausted", events[^1].Data.GetProperty("code").GetString());
        Assert.Single(stack.LanguageModel.RequestsFor(marker)); // nothing was asked after the budget was spent
        Assert.Equal(200m, finished.Usage![UsageKinds.LlmOutputTokens]); // what was spent is still metered
    }

    [Fact]
    public async Task A_run_gets_the_project_documents_it_names_as_input_files()
    {
        var (api, project) = await ProjectAsync();
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("sample,value\na,1\nb,2\nc,3\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "measurements.csv");
        var document = (await (await api.PostAsync($"/api/projects/{project}/documents", form, Ct)).ReadAsync<JsonElement>(HttpStatusCode.Accepted))
            .GetProperty("id").GetGuid();

        var run = await SubmitAsync(api, project, new
        {
            workflow = new
            {
                steps = new object[] { new { id = "sum", kind = "code", code = "import pandas as pd\nint(pd.read_csv('inputs/measurements.csv')['value'].sum())" } },
            },
            inputs = new[] { document },
        });
        var (finished, _) = await api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal("6", finished.Steps!.Single().Output!.Value.GetProperty("value").GetString());
        Assert.Equal([document], finished.Settings!.Inputs!);
        Assert.Empty(finished.Artifacts!); // inputs are not the run's products
    }

    [Fact]
    public async Task Bad_choices_on_a_run_are_validation_problems_naming_the_field_and_nothing_is_stored()
    {
        var (api, project) = await ProjectAsync();
        var (_, otherProject) = await ProjectAsync();
        object Workflow() => new { steps = new object[] { new { id = "a", kind = "tool", tool = "reverse_complement", arguments = new { sequence = "ATG" } } } };
        var cases = new (object Body, string Field)[]
        {
            (new { workflow = Workflow(), models = new { analyst = "gpt-unknown" } }, "models.analyst"),
            (new { workflow = Workflow(), models = new Dictionary<string, string> { ["wizard"] = StackFixture.LargeModel } }, "models.wizard"),
            (new { workflow = Workflow(), budget = new { maxTokens = 0 } }, "budget.maxTokens"),
            (new { workflow = Workflow(), budget = new { maxSeconds = -5 } }, "budget.maxSeconds"),
            (new { workflow = Workflow(), inputs = new[] { Guid.NewGuid() } }, "inputs"),
            (new { workflow = new { steps = new object[] { new { id = "a", kind = "llm", role = "oracle", prompt = "x" } } } }, "steps[0].role"),
            (new { workflow = new { steps = new object[] { new { id = "a", kind = "code", code = "1", role = "analyst" } } } }, "steps[0].role"),
        };
        foreach (var (body, field) in cases)
        {
            var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs", body, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }
        await using var db = stack.CreateDbContext();
        Assert.Equal(0, await db.Runs.CountAsync(r => r.ProjectId == project || r.ProjectId == otherProject, Ct));
    }

    private static string[] Strings(params string[] items) => items;

    private Task<(HttpClient Api, Guid Project)> ProjectAsync() => stack.UserWithProjectAsync("agent");

    private static Task<RunResponse> SubmitAsync(HttpClient api, Guid project, object body) => api.SubmitProjectRunAsync(project, body);
}
