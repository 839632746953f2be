using System.Text;
using System.Text.Json;
using BioAiSaaS.Core.Workflows;

namespace BioAiSaaS.Worker.Agents;

/// <summary>A passage the answer cites as [Number]: from a retrieve step, or from a role's knowledge searches.</summary>
public sealed record Source(int Number, string Title, string? Location, string Snippet, Guid? DocumentId, string? Scope);

/// <summary>
/// What a role step is told about the work before it: the earlier steps' results (text, or their JSON), shortened,
/// and the passages they retrieved, numbered once for the whole run so the answer's [n] are unambiguous.
/// </summary>
public static class StepSources
{
    private const int MaxResultCharacters = 4000;

    /// <summary>The passages in <paramref name="outputs"/> (retrieve outputs' <c>passages</c>, role outputs'
    /// <c>citations</c>, search results' <c>passages</c>), without repeats, numbered from 1.</summary>
    public static List<Source> Collect(IEnumerable<JsonElement> outputs)
    {
        var sources = new List<Source>();
        var seen = new HashSet<(string, string?, string)>();
        foreach (var output in outputs)
        {
            if (output.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var name in (string[])["passages", "citations"])
            {
                if (!output.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                foreach (var passage in list.EnumerateArray())
                {
                    var title = Read(passage, "title") ?? "untitled";
                    var location = Read(passage, "location");
                    var snippet = Read(passage, "snippet") ?? "";
                    if (seen.Add((title, location, snippet)))
                    {
                        sources.Add(new Source(sources.Count + 1, title, location, snippet,
                            passage.TryGetProperty("documentId", out var id) && id.TryGetGuid(out var guid) ? guid : null, Read(passage, "scope")));
                    }
                }
            }
        }
        return sources;
    }

    /// <summary>The user message of a role step: the task, the step's instruction, earlier results and the sources.</summary>
    public static string Brief(string? task, WorkflowStep step, string prompt, WorkflowDefinition workflow,
        IReadOnlyDictionary<string, JsonElement> outputs, IReadOnlyList<Source> sources, IReadOnlyList<string> inputFiles)
    {
        var brief = new StringBuilder();
        if (task is not null)
        {
            brief.Append("Research task:\n").Append(task).Append("\n\n");
        }
        brief.Append("Your step (").Append(step.Id).Append("):\n").Append(prompt).Append('\n');
        var byId = workflow.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var before = WorkflowValidator.Ancestors(step, byId);
        var earlier = workflow.Steps.Where(s => before.Contains(s.Id) && outputs.ContainsKey(s.Id)).ToList();
        if (earlier.Count > 0)
        {
            brief.Append("\nResults of earlier steps:\n");
            foreach (var s in earlier)
            {
                brief.Append("### ").Append(s.Id).Append(" (").Append(s.Role ?? s.Tool ?? s.Kind).Append(")\n")
                    .Append(Shorten(Summary(outputs[s.Id]))).Append("\n\n");
            }
        }
        if (sources.Count > 0)
        {
            brief.Append("\nSources (cite as [n]):\n");
            foreach (var source in sources)
            {
                brief.Append('[').Append(source.Number).Append("] ").Append(source.Title);
                if (source.Location is not null)
                {
                    brief.Append(" (").Append(source.Location).Append(')');
                }
                brief.Append(": ").Append(source.Snippet).Append('\n');
            }
        }
        if (inputFiles.Count > 0)
        {
            brief.Append("\nInput files in the sandbox's working directory: ").Append(string.Join(", ", inputFiles)).Append('\n');
        }
        return brief.ToString();
    }

    /// <summary>A result as a reader wants it: a role's or llm step's text, else the JSON itself.</summary>
    private static string Summary(JsonElement output) =>
        output.ValueKind == JsonValueKind.Object && output.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : output.GetRawText();

    private static string Shorten(string text) => text.Length <= MaxResultCharacters ? text : text[..MaxResultCharacters] + " …(shortened)";

    private static string? Read(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
