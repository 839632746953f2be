using System.Text.Json;
using System.Text.RegularExpressions;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Tools.Bio;

namespace BioAiSaaS.Core.Workflows;

/// <summary>What the offline planner made of a task: a one-step workflow, or why it cannot make one.</summary>
public sealed record OfflinePlan(string? Tool, WorkflowDefinition? Workflow, string? Explanation);

/// <summary>
/// Natural-language tasks without a language model: the tool whose library entry best matches the task (hybrid
/// search over the tools' descriptions), with the arguments that can be read off the task reliably — sequences,
/// restriction enzyme names, a host organism, a quoted pattern. When the closest tool needs something the task does
/// not state, the plan says so instead of guessing.
/// </summary>
public sealed partial class OfflinePlanner(KnowledgeSearch search, ToolRegistry tools)
{
    public const string StepId = "answer";

    private const string NoAgent = "Without a language model a task runs as one tool, chosen by meaning; the research "
        + "agent's language model is not available in this deployment yet. To go further, submit a workflow (a graph of "
        + "tool, code and retrieve steps).";

    public async Task<OfflinePlan> PlanAsync(string task, CancellationToken cancellationToken)
    {
        // The sequences say nothing about which tool is wanted and only blur the match: search with a placeholder.
        var question = Peptide().Replace(Dna().Replace(task, "sequence"), "protein sequence");
        var found = await search.SearchAsync(new KnowledgeQuery(question, 1, Kinds: ["tool"]), cancellationToken);
        if (found.Passages is not [var best] || tools.Find(best.Title) is not { } tool)
        {
            return new OfflinePlan(null, null, "No registered tool matches this task. " + NoAgent);
        }
        var arguments = new Dictionary<string, object?>();
        var missing = new List<string>();
        var schema = tool.ParametersSchema;
        var required = schema.TryGetProperty("required", out var names)
            ? names.EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var sequences = Sequences(task, protein: tool.Name is "protein_properties" || task.Contains("protein", StringComparison.OrdinalIgnoreCase));
        foreach (var parameter in schema.GetProperty("properties").EnumerateObject().Select(p => p.Name))
        {
            var value = parameter switch
            {
                "sequence" or "a" or "protein_or_cds" => sequences.ElementAtOrDefault(0),
                "b" => sequences.ElementAtOrDefault(1),
                "query" => task,
                "enzymes" => Enzymes(task) is { Count: > 0 } enzymes ? enzymes : null,
                "host" => Host(task),
                "pattern" => Quoted().Match(task) is { Success: true } quoted ? quoted.Groups[1].Value : null,
                _ => (object?)null,
            };
            if (value is not null)
            {
                arguments[parameter] = value;
            }
            else if (required.Contains(parameter))
            {
                missing.Add(parameter);
            }
        }
        if (missing.Count > 0)
        {
            return new OfflinePlan(tool.Name, null,
                $"The closest tool is '{tool.Name}' ({tool.Description.Split('.')[0]}), which needs {string.Join(" and ", missing.Select(Describe))}; "
                + $"the task does not state {(missing.Count == 1 ? "it" : "them")} in a form that can be read without a language model. " + NoAgent);
        }
        var step = new WorkflowStep(StepId, StepKinds.Tool, tool.Name, JsonSerializer.SerializeToElement(arguments, JsonSerializerOptions.Web));
        return new OfflinePlan(tool.Name, new WorkflowDefinition([step]), null);
    }

    private static string Describe(string parameter) => parameter switch
    {
        "sequence" or "a" or "b" or "protein_or_cds" => $"a sequence ('{parameter}': DNA of at least 6 letters, or a protein of at least 8)",
        "pattern" => "a pattern (write it in quotes)",
        "text" => "the file's text (submit it as a workflow argument)",
        _ => $"'{parameter}'",
    };

    // DNA first: a run of nucleotide letters is also a run of amino-acid letters.
    private static List<string> Sequences(string task, bool protein)
    {
        var dna = Dna().Matches(task).Select(m => m.Value.ToUpperInvariant()).ToList();
        var peptides = Peptide().Matches(task).Select(m => m.Value).Where(p => !dna.Contains(p)).ToList();
        return protein && peptides.Count > 0 ? peptides : dna.Count > 0 ? dna : peptides;
    }

    private static List<string> Enzymes(string task) =>
        RestrictionTools.Enzymes.Select(e => e.Name)
            .Where(name => Regex.IsMatch(task, $@"\b{Regex.Escape(name)}\b", RegexOptions.IgnoreCase)).ToList();

    private static string? Host(string task) =>
        Regex.IsMatch(task, @"\b(e\.?\s?coli|escherichia)\b", RegexOptions.IgnoreCase) ? "e_coli"
        : Regex.IsMatch(task, @"\b(yeast|cerevisiae)\b", RegexOptions.IgnoreCase) ? "s_cerevisiae"
        : Regex.IsMatch(task, @"\b(human|homo sapiens|hek293|mammalian)\b", RegexOptions.IgnoreCase) ? "h_sapiens"
        : null;

    [GeneratedRegex(@"\b[ACGTUNacgtun]{6,}\b")]
    private static partial Regex Dna();

    [GeneratedRegex(@"\b[ACDEFGHIKLMNPQRSTVWY]{8,}\b")]
    private static partial Regex Peptide();

    [GeneratedRegex("[\"'“‘]([^\"'”’]+)[\"'”’]")]
    private static partial Regex Quoted();
}
