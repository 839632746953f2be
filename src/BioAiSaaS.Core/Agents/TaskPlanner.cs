using System.Text;
using System.Text.Json;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Agents;

/// <summary>What planning produced: a valid workflow, or why there is none; and the model's token use per call.</summary>
public sealed record TaskPlan(WorkflowDefinition? Workflow, string? Failure, IReadOnlyList<PlannerCall> Usage, string? Model);

/// <summary>One planning call's tokens; <see cref="Cached"/> when the response cache answered it (nothing to bill).</summary>
public sealed record PlannerCall(UsageDetails Usage, bool Cached);

/// <summary>
/// The planner role: the task and the available tools (their names, descriptions and parameter schemas) to the
/// language model, which answers with a workflow as JSON. The answer is checked like a submitted workflow; when it
/// is not valid, the model gets the errors and one more try. The result is never "completed" by guesswork.
/// </summary>
public sealed class TaskPlanner(IChatClient chat, ToolRegistry tools)
{
    public const string AnswerStepId = "answer";
    private const int Attempts = 2;
    private static readonly string Instructions = Prompts.Load("planner.v2");

    /// <param name="task">The researcher's task.</param>
    /// <param name="projectContext">What the project offers: its earlier runs, the run's input files.</param>
    /// <param name="cache">With the response cache on, tells cached answers from real calls.</param>
    /// <param name="cancellationToken">Stops planning.</param>
    public async Task<TaskPlan> PlanAsync(string task, string? projectContext, CacheProbe? cache, CancellationToken cancellationToken)
    {
        var system = new StringBuilder(Instructions);
        foreach (var tool in tools.All.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            system.Append("- ").Append(tool.Name).Append(": ").Append(tool.Description)
                .Append(" Parameters: ").Append(tool.ParametersSchema.GetRawText()).Append('\n');
        }
        List<ChatMessage> messages =
        [
            new(ChatRole.System, system.ToString()),
            new(ChatRole.User, projectContext is null ? task : $"{task}\n\n{projectContext}"),
        ];
        var usage = new List<PlannerCall>();
        string failure = "";
        string? model = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var realCalls = cache?.RealCalls;
            var response = await chat.GetResponseAsync(messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json },
                cancellationToken);
            usage.Add(new PlannerCall(response.Usage ?? new UsageDetails(), realCalls is not null && cache!.RealCalls == realCalls));
            model ??= response.ModelId;
            var (workflow, errors) = Read(response.Text);
            if (workflow is not null && errors.Count == 0)
            {
                return new TaskPlan(workflow, null, usage, model);
            }
            failure = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
            messages.Add(new ChatMessage(ChatRole.User, $"That workflow is not valid: {failure} Reply with the corrected JSON only."));
        }
        return new TaskPlan(null, $"The planner did not produce a valid workflow in {Attempts} tries: {failure}", usage, model);
    }

    private (WorkflowDefinition? Workflow, Dictionary<string, string[]> Errors) Read(string text)
    {
        // Models sometimes wrap JSON in prose or code fences: take the outermost object.
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return (null, new() { ["workflow"] = ["The answer holds no JSON object."] });
        }
        WorkflowDefinition? workflow;
        try
        {
            workflow = JsonSerializer.Deserialize<WorkflowDefinition>(text[start..(end + 1)], JsonSerializerOptions.Web);
        }
        catch (JsonException e)
        {
            return (null, new() { ["workflow"] = [$"Not a workflow: {e.Message}"] });
        }
        var errors = WorkflowValidator.Validate(workflow, tools, languageModel: true);
        if (errors.Count == 0 && workflow!.Steps[^1] is not { Id: AnswerStepId, Kind: StepKinds.Llm })
        {
            errors["steps"] = [$"The last step must be an llm step with id '{AnswerStepId}'."];
        }
        return (workflow, errors);
    }
}
