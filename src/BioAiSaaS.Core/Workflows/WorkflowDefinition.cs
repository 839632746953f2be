using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Workflows;

/// <summary>
/// An explicit workflow: a graph of steps a client submits instead of a natural-language task. Steps run when the
/// steps they depend on have succeeded, in parallel up to <see cref="MaxParallel"/>; a step's arguments may quote
/// an earlier step's output as <c>${stepId.output.path}</c>.
/// </summary>
public sealed record WorkflowDefinition(IReadOnlyList<WorkflowStep> Steps, int? MaxParallel = null)
{
    public const int DefaultMaxParallel = 5;
    public const int MaxSteps = 50;

    public int Parallelism => MaxParallel ?? DefaultMaxParallel;
}

/// <summary>One step. Which fields apply depends on <see cref="Kind"/>; the validator says which are missing.</summary>
/// <param name="Id">Unique within the workflow: letters, digits, '_' and '-', starting with a letter.</param>
/// <param name="Kind"><c>tool</c>, <c>code</c>, <c>retrieve</c> or <c>llm</c>.</param>
/// <param name="Tool">For <c>tool</c>: a registered tool's name.</param>
/// <param name="Arguments">For <c>tool</c>: a JSON object matching the tool's parameters.</param>
/// <param name="Code">For <c>code</c>: the source, run in the run's sandbox session (state persists across steps).</param>
/// <param name="Language">For <c>code</c>: python (default), bash or r.</param>
/// <param name="Query">For <c>retrieve</c>: what to search the project and library for.</param>
/// <param name="K">For <c>retrieve</c>: how many passages (default 5).</param>
/// <param name="Prompt">For <c>llm</c>: the instruction to the language model; may quote earlier outputs.</param>
/// <param name="Role">For <c>llm</c>: the agent role that carries the step out (<c>researcher</c>, <c>analyst</c> or
/// <c>reporter</c>), with that role's instructions, tools, model and token budget; none is one plain model call.</param>
/// <param name="DependsOn">Steps that must succeed first.</param>
/// <param name="TimeoutSeconds">This step's limit (default by kind).</param>
public sealed record WorkflowStep(
    string Id,
    string Kind,
    string? Tool = null,
    JsonElement? Arguments = null,
    string? Code = null,
    string? Language = null,
    string? Query = null,
    int? K = null,
    string? Prompt = null,
    IReadOnlyList<string>? DependsOn = null,
    int? TimeoutSeconds = null,
    string? Role = null)
{
    [JsonIgnore]
    public IReadOnlyList<string> Dependencies => DependsOn ?? [];
}

public static class StepKinds
{
    public const string Tool = "tool";
    public const string Code = "code";
    public const string Retrieve = "retrieve";
    public const string Llm = "llm";

    public static readonly IReadOnlyList<string> All = [Tool, Code, Retrieve, Llm];
}
