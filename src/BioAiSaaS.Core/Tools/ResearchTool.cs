using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools;

/// <summary>
/// A tool the agent calls by function calling and an explicit workflow calls by name with JSON arguments: an
/// <see cref="AIFunction"/> (name, description, JSON schema of its parameters, typed result) and a category.
/// </summary>
public sealed record ResearchTool(string Category, AIFunction Function)
{
    public string Name => Function.Name;
    public string Description => Function.Description;
    public JsonElement ParametersSchema => Function.JsonSchema;

    /// <summary>
    /// The tool as the built-in library holds it, so the agent can find tools by meaning: its name, description and
    /// parameters in Markdown.
    /// </summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder().Append("# ").Append(Name).Append("\n\n").Append(Description).Append("\n\n")
            .Append("Category: ").Append(Category).Append("\n\n## Parameters\n");
        var required = ParametersSchema.TryGetProperty("required", out var names)
            ? names.EnumerateArray().Select(n => n.GetString()).ToHashSet()
            : [];
        if (ParametersSchema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                var type = property.Value.TryGetProperty("type", out var t) ? t.ToString() : "any";
                text.Append("- `").Append(property.Name).Append("` (").Append(type)
                    .Append(required.Contains(property.Name) ? ", required" : ", optional").Append(')');
                if (property.Value.TryGetProperty("description", out var description))
                {
                    text.Append(": ").Append(description.GetString());
                }
                if (property.Value.TryGetProperty("enum", out var values))
                {
                    text.Append(" One of: ").Append(string.Join(", ", values.EnumerateArray().Select(v => v.ToString()))).Append('.');
                }
                text.Append('\n');
            }
        }
        return text.ToString();
    }
}

/// <summary>Every registered tool by name. Names are unique: the model and workflows address tools by them.</summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, ResearchTool> _tools;

    public ToolRegistry(IEnumerable<ResearchTool> tools)
    {
        _tools = new Dictionary<string, ResearchTool>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new InvalidOperationException($"Two tools are named '{tool.Name}'.");
            }
        }
    }

    public IReadOnlyCollection<ResearchTool> All => _tools.Values;

    public ResearchTool? Find(string name) => _tools.GetValueOrDefault(name);
}

/// <summary>What a tool call runs for: set by whoever invokes tools (the run's executor), read by tools that need it.</summary>
public sealed class ToolContext
{
    /// <summary>The project the run belongs to; project-scoped tools see nothing without one.</summary>
    public Guid? ProjectId { get; set; }
}
