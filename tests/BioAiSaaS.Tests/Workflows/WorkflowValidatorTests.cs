using System.Text.Json;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Tests.Workflows;

/// <summary>The shape checks a workflow passes before it is accepted: each names the offending step and field.</summary>
public sealed class WorkflowValidatorTests
{
    private static readonly ToolRegistry Tools = new ServiceCollection().AddResearchTools().BuildServiceProvider().GetRequiredService<ToolRegistry>();

    [Fact]
    public void A_well_formed_graph_with_a_reference_to_an_ancestor_passes()
    {
        var errors = Validate("""
            {"steps": [
              {"id": "a", "kind": "code", "code": "x = 1"},
              {"id": "b", "kind": "retrieve", "query": "PCR", "dependsOn": ["a"]},
              {"id": "c", "kind": "tool", "tool": "search_knowledge", "arguments": {"query": "${a.output.value}"}, "dependsOn": ["b"]}
            ]}
            """);

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("""{"steps": []}""", "steps", "at least one step")]
    [InlineData("""{"steps": [{"id": "a", "kind": "code", "code": "1"}, {"id": "a", "kind": "code", "code": "2"}]}""", "steps[1].id", "used by another step")]
    [InlineData("""{"steps": [{"id": "1a", "kind": "code", "code": "1"}]}""", "steps[0].id", "starting with a letter")]
    [InlineData("""{"steps": [{"id": "a", "kind": "dance"}]}""", "steps[0].kind", "One of: tool, code, retrieve, llm")]
    [InlineData("""{"steps": [{"id": "a", "kind": "llm"}]}""", "steps[0].kind", "language model")]
    [InlineData("""{"steps": [{"id": "a", "kind": "tool", "tool": "teleport"}]}""", "steps[0].tool", "Unknown tool 'teleport'")]
    [InlineData("""{"steps": [{"id": "a", "kind": "tool", "tool": "search_knowledge", "arguments": {}}]}""", "steps[0].arguments", "needs 'query'")]
    [InlineData("""{"steps": [{"id": "a", "kind": "tool", "tool": "search_knowledge", "arguments": {"query": "x", "colour": "red"}}]}""", "steps[0].arguments", "no parameter 'colour'")]
    [InlineData("""{"steps": [{"id": "a", "kind": "code"}]}""", "steps[0].code", "Required")]
    [InlineData("""{"steps": [{"id": "a", "kind": "code", "code": "1", "language": "cobol"}]}""", "steps[0].language", "python, bash or r")]
    [InlineData("""{"steps": [{"id": "a", "kind": "retrieve", "query": "x", "k": 99}]}""", "steps[0].k", "Between 1 and 20")]
    [InlineData("""{"steps": [{"id": "a", "kind": "retrieve", "query": "x", "dependsOn": ["ghost"]}]}""", "steps[0].dependsOn", "no step 'ghost'")]
    [InlineData("""{"steps": [{"id": "a", "kind": "retrieve", "query": "x", "dependsOn": ["a"]}]}""", "steps[0].dependsOn", "cannot depend on itself")]
    [InlineData("""{"steps": [{"id": "a", "kind": "retrieve", "query": "x", "timeoutSeconds": 0}]}""", "steps[0].timeoutSeconds", "Between 1 and 3600")]
    [InlineData("""{"steps": [{"id": "a", "kind": "code", "code": "1"}, {"id": "b", "kind": "tool", "tool": "search_knowledge", "arguments": {"query": "${a.output.value}"}}]}""", "steps[1].arguments", "'a' is referenced but does not run before")]
    [InlineData("""{"steps": [{"id": "a", "kind": "code", "code": "1"}], "maxParallel": 0}""", "maxParallel", "Between 1 and 20")]
    public void A_malformed_workflow_is_refused_with_the_field_and_the_reason(string json, string field, string message)
    {
        var errors = Validate(json);

        Assert.True(errors.TryGetValue(field, out var messages), $"no error for {field}; got {string.Join(", ", errors.Keys)}");
        Assert.Contains(messages, m => m.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_cycle_is_refused_and_named()
    {
        var errors = Validate("""
            {"steps": [
              {"id": "a", "kind": "retrieve", "query": "x", "dependsOn": ["c"]},
              {"id": "b", "kind": "retrieve", "query": "x", "dependsOn": ["a"]},
              {"id": "c", "kind": "retrieve", "query": "x", "dependsOn": ["b"]},
              {"id": "d", "kind": "retrieve", "query": "x"}
            ]}
            """);

        Assert.Equal("The dependencies form a cycle: a → c → b → a.", Assert.Single(errors["steps"]));
    }

    [Fact]
    public void References_resolve_to_whole_values_or_into_text()
    {
        var outputs = new Dictionary<string, JsonElement>
        {
            ["a"] = JsonSerializer.SerializeToElement(new { sequence = "ATGC", hits = new[] { new { start = 7 } } }),
        };
        var arguments = JsonSerializer.SerializeToElement(new { sequence = "${a.output.sequence}", start = "${a.output.hits[0].start}", note = "from ${a.output.sequence} at ${a.output.hits[0].start}" });

        var resolved = StepReferences.Resolve(arguments, outputs);

        Assert.Equal("ATGC", resolved.GetProperty("sequence").GetString());
        Assert.Equal(7, resolved.GetProperty("start").GetInt32()); // a number stays a number
        Assert.Equal("from ATGC at 7", resolved.GetProperty("note").GetString());
        Assert.Throws<StepReferenceException>(() => StepReferences.Resolve(
            JsonSerializer.SerializeToElement(new { x = "${a.output.missing}" }), outputs));
    }

    private static Dictionary<string, string[]> Validate(string json) =>
        WorkflowValidator.Validate(JsonSerializer.Deserialize<WorkflowDefinition>(json, JsonSerializerOptions.Web), Tools);
}
