using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tools;

namespace BioAiSaaS.Core.Workflows;

/// <summary>
/// Everything about a submitted workflow that can be known before it runs: ids, kinds, the tools and their
/// arguments' names, dependencies (known, acyclic) and references (to a step that runs before). A workflow that
/// passes can still fail at run time, but never because of its shape. Errors are keyed like
/// <c>steps[2].dependsOn</c> for a validation problem.
/// </summary>
public static partial class WorkflowValidator
{
    public const int MaxCodeLength = 64 * 1024;
    public const int MaxTimeoutSeconds = 3600;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,39}$")]
    private static partial Regex StepId();

    /// <param name="workflow">What the client submitted.</param>
    /// <param name="tools">The registered tools, whose parameters tool steps are checked against.</param>
    /// <param name="languageModel">Whether a language model is configured (<c>llm</c> steps need one).</param>
    public static Dictionary<string, string[]> Validate(WorkflowDefinition? workflow, ToolRegistry tools, bool languageModel = false)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string key, string message) => (errors.TryGetValue(key, out var list) ? list : errors[key] = []).Add(message);

        if (workflow?.Steps is not { Count: > 0 } steps)
        {
            Add("steps", "A workflow needs at least one step.");
            return Done(errors);
        }
        if (steps.Count > WorkflowDefinition.MaxSteps)
        {
            Add("steps", Invariant($"At most {WorkflowDefinition.MaxSteps} steps; got {steps.Count}."));
            return Done(errors);
        }
        if (workflow.MaxParallel is < 1 or > 20)
        {
            Add("maxParallel", "Between 1 and 20.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = Invariant($"steps[{i}]");
            if (step is null)
            {
                Add(at, "A step cannot be null.");
                continue;
            }
            if (step.Id is null || !StepId().IsMatch(step.Id))
            {
                Add(at + ".id", "Letters, digits, '_' and '-', starting with a letter, at most 40.");
            }
            else if (!ids.Add(step.Id))
            {
                Add(at + ".id", $"'{step.Id}' is used by another step.");
            }
            if (step.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
            {
                Add(at + ".timeoutSeconds", Invariant($"Between 1 and {MaxTimeoutSeconds}."));
            }
            ValidateKind(step, at, tools, languageModel, Add);
        }
        if (errors.Count > 0)
        {
            return Done(errors);
        }

        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var dependency in steps[i].Dependencies)
            {
                if (dependency == steps[i].Id)
                {
                    Add(Invariant($"steps[{i}].dependsOn"), "A step cannot depend on itself.");
                }
                else if (!byId.ContainsKey(dependency))
                {
                    Add(Invariant($"steps[{i}].dependsOn"), $"There is no step '{dependency}'.");
                }
            }
        }
        if (errors.Count > 0)
        {
            return Done(errors);
        }
        if (FindCycle(steps) is { } cycle)
        {
            Add("steps", "The dependencies form a cycle: " + string.Join(" → ", cycle) + ".");
            return Done(errors);
        }
        for (var i = 0; i < steps.Count; i++)
        {
            var before = Ancestors(steps[i], byId);
            var quoted = StepReferences.StepsIn(steps[i].Arguments)
                .Concat(StepReferences.StepsIn(steps[i].Prompt is { } prompt ? JsonSerializer.SerializeToElement(prompt) : null));
            foreach (var referenced in quoted.Distinct())
            {
                if (!before.Contains(referenced))
                {
                    Add(Invariant($"steps[{i}].arguments"),
                        $"'{referenced}' is referenced but does not run before this step: add it to dependsOn.");
                }
            }
        }
        return Done(errors);
    }

    private static void ValidateKind(WorkflowStep step, string at, ToolRegistry tools, bool languageModel, Action<string, string> add)
    {
        if (step.Role is not null && step.Kind != StepKinds.Llm)
        {
            add(at + ".role", "Only llm steps have a role.");
        }
        switch (step.Kind)
        {
            case StepKinds.Tool:
                if (string.IsNullOrEmpty(step.Tool) || tools.Find(step.Tool) is not { } tool)
                {
                    add(at + ".tool", $"Unknown tool '{step.Tool}'. Known: {string.Join(", ", tools.All.Select(t => t.Name).Order(StringComparer.Ordinal))}.");
                    return;
                }
                ValidateArguments(tool, step.Arguments, at + ".arguments", add);
                return;
            case StepKinds.Code:
                if (string.IsNullOrWhiteSpace(step.Code) || step.Code.Length > MaxCodeLength)
                {
                    add(at + ".code", Invariant($"Required, at most {MaxCodeLength} characters."));
                }
                if (step.Language is not null && !Enum.TryParse<SandboxLanguage>(step.Language, ignoreCase: true, out _))
                {
                    add(at + ".language", "python, bash or r.");
                }
                return;
            case StepKinds.Retrieve:
                if (string.IsNullOrWhiteSpace(step.Query) || step.Query.Length > 500)
                {
                    add(at + ".query", "Required, at most 500 characters.");
                }
                if (step.K is < 1 or > KnowledgeTools.MaxPassages)
                {
                    add(at + ".k", Invariant($"Between 1 and {KnowledgeTools.MaxPassages}."));
                }
                return;
            case StepKinds.Llm:
                if (!languageModel)
                {
                    add(at + ".kind", "llm steps need a language model, and this deployment has none configured (Llm:Endpoint and Llm:Model).");
                }
                if (string.IsNullOrWhiteSpace(step.Prompt) || step.Prompt.Length > MaxCodeLength)
                {
                    add(at + ".prompt", Invariant($"Required, at most {MaxCodeLength} characters."));
                }
                if (step.Role is not null && !AgentRoles.StepRoles.Contains(step.Role))
                {
                    add(at + ".role", "One of: " + string.Join(", ", AgentRoles.StepRoles) + "; or none for a plain model call.");
                }
                return;
            default:
                add(at + ".kind", "One of: " + string.Join(", ", StepKinds.All) + ".");
                return;
        }
    }

    // Names only: types and values are the tool's to check when it runs (a reference's value is not known yet).
    private static void ValidateArguments(ResearchTool tool, JsonElement? arguments, string at, Action<string, string> add)
    {
        if (arguments is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null) })
        {
            add(at, "A JSON object of the tool's parameters.");
            return;
        }
        var given = arguments is { ValueKind: JsonValueKind.Object } json
            ? json.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
            : [];
        var schema = tool.ParametersSchema;
        var known = schema.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var name in given.Where(n => !known.Contains(n)))
        {
            add(at, $"'{tool.Name}' has no parameter '{name}'. Its parameters: {string.Join(", ", known)}.");
        }
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !given.Contains(n)))
            {
                add(at, $"'{tool.Name}' needs '{name}'.");
            }
        }
    }

    /// <summary>A cycle's step ids (first repeated at the end), or null when the graph is acyclic.</summary>
    private static List<string>? FindCycle(IReadOnlyList<WorkflowStep> steps)
    {
        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
        var path = new List<string>();

        List<string>? Visit(string id)
        {
            state[id] = 1;
            path.Add(id);
            foreach (var next in byId[id].Dependencies)
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var step in steps)
        {
            if (state.GetValueOrDefault(step.Id) == 0 && Visit(step.Id) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    /// <summary>The steps <paramref name="step"/> depends on, directly or through others.</summary>
    public static HashSet<string> Ancestors(WorkflowStep step, IReadOnlyDictionary<string, WorkflowStep> byId)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(step.Dependencies);
        while (stack.TryPop(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var next in byId[id].Dependencies)
                {
                    stack.Push(next);
                }
            }
        }
        return seen;
    }

    private static Dictionary<string, string[]> Done(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
