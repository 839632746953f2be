using System.ComponentModel;
using System.Text.Json;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Agents;

/// <summary>How a step ended: its output (also when it failed, for code), or the error that failed it.</summary>
public sealed record StepOutcome(JsonElement? Output, string? Error);

/// <summary>Everything an <c>llm</c> step needs from its run while it runs.</summary>
public sealed record AgentStep(
    Run Run,
    WorkflowDefinition Workflow,
    WorkflowStep Step,
    int Attempt,
    string Prompt,
    IReadOnlyDictionary<string, JsonElement> Outputs,
    RunSession Session,
    RunBudget Budget,
    IReadOnlyList<string> InputFiles,
    IServiceProvider Services);

/// <summary>
/// Carries out an <c>llm</c> step. With a role (researcher, analyst, reporter), the role's versioned instructions,
/// model, tools and token budget apply, the answer streams live, and the reviewer checks it and may send it back once
/// with reasons; without one it is one plain model call. Each pass is a conversation of its own, with its own event
/// and usage keys, so a resumed run repeats nothing.
/// </summary>
public sealed class RoleAgent(LanguageModels models, ToolRegistry tools, IOptions<AgentOptions> options)
{
    private static readonly string PlainInstructions = Prompts.Load("llm-step.v1");
    private static readonly string ReviewerInstructions = Prompts.Load("reviewer.v1");

    public async Task<StepOutcome> RunAsync(AgentStep s, CancellationToken cancellationToken)
    {
        var settings = RunSettings.Of(s.Run);
        if (s.Step.Role is not { } role)
        {
            var plain = await ConverseAsync(s, null, 1, PlainInstructions, s.Prompt, [], [], cancellationToken);
            return Outcome(plain, null, 1, null, []);
        }

        var before = WorkflowValidator.Ancestors(s.Step, s.Workflow.Steps.ToDictionary(x => x.Id, StringComparer.Ordinal));
        var sources = role == AgentRoles.Reporter
            ? StepSources.Collect(s.Workflow.Steps.Where(x => before.Contains(x.Id) && s.Outputs.ContainsKey(x.Id)).Select(x => s.Outputs[x.Id]))
            : [];
        var brief = StepSources.Brief(s.Run.Task, s.Step, s.Prompt, s.Workflow, s.Outputs, sources, role == AgentRoles.Analyst ? s.InputFiles : []);
        var instructions = Prompts.Load($"{role}.v1");

        var results = new List<ToolResult>();
        var first = await ConverseAsync(s, role, 1, instructions, brief, Functions(s, role, 1, results), results, cancellationToken);
        if (first.Text.Length == 0)
        {
            return new StepOutcome(null, $"The {role} gave no answer.");
        }
        if (!(settings.Review ?? options.Value.Review))
        {
            return Outcome(first, role, 1, null, Citations(role, sources, results));
        }

        var verdict = await ReviewAsync(s, first.Text, cancellationToken);
        await s.Services.GetRequiredService<RunEventLog>().AppendAsync(s.Run.Id, RunEventTypes.StepReviewed, s.Step.Id,
            new { stepName = s.Step.Id, verdict = verdict.Verdict, reasons = verdict.Reasons, pass = 1 },
            $"review:{s.Step.Id}:{s.Attempt}", cancellationToken);
        if (verdict.Verdict != ReviewVerdict.Revise)
        {
            return Outcome(first, role, 1, verdict with { SentBack = false }, Citations(role, sources, results));
        }

        // Sent back once: the same role tries again, with the reviewer's reasons and its first answer; this answer stands.
        var again = $"{brief}\nA reviewer sent your previous result back.\nReasons: {verdict.Reasons}\n\nYour previous result:\n{first.Text}\n\n"
            + "Address the reasons and give the complete corrected result.";
        var second = await ConverseAsync(s, role, 2, instructions, again, Functions(s, role, 2, results), results, cancellationToken);
        return second.Text.Length == 0
            ? new StepOutcome(null, $"The {role} gave no answer after the review sent it back: {verdict.Reasons}")
            : Outcome(second, role, 2, verdict with { SentBack = true }, Citations(role, sources, results));
    }

    private async Task<AgentTranscript> ConverseAsync(AgentStep s, string? role, int pass, string instructions, string brief,
        List<AITool> functions, List<ToolResult> results, CancellationToken cancellationToken)
    {
        s.Budget.EnsureLeft();
        var model = role is null ? models.DefaultModel : models.ModelFor(role, RunSettings.Of(s.Run).Models);
        var transcript = Transcript(s, $"pass:{pass}", role is null ? int.MaxValue : options.Value.MaxTokensFor(role), Probe(s));
        var chat = models.For(model);
        var chatOptions = functions.Count == 0 ? null : new ChatOptions { Tools = functions, ToolMode = ChatToolMode.Auto };
        await transcript.ConsumeAsync(chat.GetStreamingResponseAsync(
            [new ChatMessage(ChatRole.System, instructions), new ChatMessage(ChatRole.User, brief)], chatOptions, cancellationToken),
            cancellationToken);
        return transcript;
    }

    private static AgentTranscript Transcript(AgentStep s, string conversation, int maxTokens, CacheProbe? cache) => new(s.Run, s.Step.Id,
        $"{s.Step.Id}-{s.Attempt}-{conversation.Replace(':', '-')}",
        $"run:{s.Run.Id}:step:{s.Step.Id}:attempt:{s.Attempt}:{conversation}:",
        s.Services.GetRequiredService<RunEventLog>(), s.Services.GetRequiredService<UsageRecorder>(), s.Budget, maxTokens, cache);

    /// <summary>With the response cache on, the conversation that starts here counts its real calls (as the run's owner).</summary>
    private CacheProbe? Probe(AgentStep s) => models.CachesResponses ? CacheProbe.Begin(s.Run.OwnerId) : null;

    /// <summary>The role's tools: the researcher reads (knowledge search, the project's documents); the analyst runs
    /// code and the biology tools; the reporter writes from what it is given.</summary>
    private List<AITool> Functions(AgentStep s, string role, int pass, List<ToolResult> results)
    {
        IEnumerable<AIFunction> allowed = role switch
        {
            AgentRoles.Researcher => [.. DocumentTools.All.Select(t => t.Function), KnowledgeTools.SearchKnowledge.Function],
            AgentRoles.Analyst => [RunPython(s, pass), .. tools.All.Where(t => t.Category != "knowledge").Select(t => t.Function)],
            _ => [],
        };
        var conversation = $"{s.Step.Id}-{s.Attempt}-pass-{pass}";
        return [.. allowed.Select(f => new ObservedFunction(f, s.Run, s.Step.Id, conversation, s.Services, s.Budget, results))];
    }

    /// <summary>
    /// The analyst's <c>run_python</c>: code into the run's session (state shared with the run's code steps), its
    /// output back to the model in short, in full as events; a limited number of executions per pass.
    /// </summary>
    private AIFunction RunPython(AgentStep s, int pass)
    {
        var executions = 0;
        var limit = options.Value.MaxCodeAttempts;
        async Task<JsonElement> RunAsync([Description("Python source to run; a trailing expression's value is shown.")] string code,
            CancellationToken cancellationToken)
        {
            if (++executions > limit)
            {
                return JsonSerializer.SerializeToElement(new
                {
                    error = $"You have used all {limit} code executions of this step. Answer with what you have; say what is missing.",
                });
            }
            if (string.IsNullOrWhiteSpace(code) || code.Length > ExecutionLimits.MaxCodeLength)
            {
                throw new ArgumentException($"code must be 1 to {ExecutionLimits.MaxCodeLength} characters.", nameof(code));
            }
            var cell = await CodeCells.ExecuteAsync(s.Run, s.Step.Id,
                new CellKeys($"{s.Step.Id}:{s.Attempt}:pass:{pass}:exec:{executions}",
                    $"run:{s.Run.Id}:step:{s.Step.Id}:attempt:{s.Attempt}:pass:{pass}:exec:{executions}:sandbox"),
                new ExecutionRequest(SandboxLanguage.Python, code, ExecutionLimits.MaxTimeoutSeconds), s.Session, s.Services, cancellationToken);
            var x = cell.Execution;
            return JsonSerializer.SerializeToElement(new
            {
                ok = x.Succeeded,
                stdout = Clip(x.Stdout, 4000),
                stderr = Clip(x.Stderr, 2000),
                value = Clip(x.Value, 2000),
                error = x.Error is { } e ? new { e.Type, e.Message, traceback = Clip(e.Traceback, 3000) } : null,
                failure = cell.Failure,
                files = x.Files.Select(f => f.Path),
                figures = x.Artifacts.Select(a => a.Name),
                executionsLeft = limit - executions,
            }, JsonSerializerOptions.Web);
        }
        return AIFunctionFactory.Create(RunAsync, new AIFunctionFactoryOptions
        {
            Name = "run_python",
            Description = "Run Python in the run's sandbox (numpy, pandas, scipy, Biopython, matplotlib; no network). "
                + "Variables and files persist between calls. Returns stdout, stderr, the value of a trailing expression, "
                + "the error with its traceback if it failed, and the files and figures it made.",
        });
    }

    private static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + " …(clipped)";

    private async Task<Review> ReviewAsync(AgentStep s, string result, CancellationToken cancellationToken)
    {
        s.Budget.EnsureLeft();
        var transcript = Transcript(s, "review", options.Value.MaxTokensFor(AgentRoles.Reviewer), Probe(s));
        var model = models.ModelFor(AgentRoles.Reviewer, RunSettings.Of(s.Run).Models);
        var question = $"Research task:\n{s.Run.Task ?? "(an explicit workflow)"}\n\nThe step's instruction ({s.Step.Role}):\n{s.Prompt}\n\n"
            + $"The step's result:\n{result}";
        var response = await models.For(model).GetResponseAsync(
            [new ChatMessage(ChatRole.System, ReviewerInstructions), new ChatMessage(ChatRole.User, question)],
            new ChatOptions { ResponseFormat = ChatResponseFormat.Json }, cancellationToken);
        await transcript.MeterAsync(response.Usage, response.ModelId, cancellationToken);
        return Review.Read(response.Text);
    }

    private static List<Source> Citations(string role, List<Source> sources, List<ToolResult> results) => role switch
    {
        AgentRoles.Reporter => sources,
        AgentRoles.Researcher => StepSources.Collect(results.Where(r => r.Name == KnowledgeTools.SearchKnowledge.Name).Select(r => r.Result)),
        _ => [],
    };

    private static StepOutcome Outcome(AgentTranscript transcript, string? role, int pass, Review? review, List<Source> citations) =>
        new(JsonSerializer.SerializeToElement(new
        {
            text = transcript.Text,
            role,
            model = transcript.Model,
            pass,
            review,
            citations,
            usage = new { input = transcript.InputTokens, output = transcript.OutputTokens },
        }, JsonSerializerOptions.Web), null);
}

public static class ReviewVerdict
{
    public const string Accept = "accept";
    public const string Revise = "revise";
}

/// <summary>The reviewer's verdict on a result; <see cref="SentBack"/> says whether the step was tried again.</summary>
public sealed record Review(string Verdict, string Reasons, bool SentBack = false)
{
    /// <summary>Reads the reviewer's JSON; an unreadable review accepts (a failing reviewer must not fail good work) and says so.</summary>
    public static Review Read(string text)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        try
        {
            if (start >= 0 && end > start)
            {
                using var json = JsonDocument.Parse(text[start..(end + 1)]);
                var verdict = json.RootElement.TryGetProperty("verdict", out var v) ? v.GetString()?.Trim().ToLowerInvariant() : null;
                var reasons = json.RootElement.TryGetProperty("reasons", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
                if (verdict is ReviewVerdict.Accept or ReviewVerdict.Revise)
                {
                    return new Review(verdict, reasons);
                }
            }
        }
        catch (JsonException)
        {
        }
        return new Review(ReviewVerdict.Accept, "The review could not be read, so the result stands.");
    }
}
