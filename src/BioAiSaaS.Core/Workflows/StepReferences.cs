using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BioAiSaaS.Core.Workflows;

/// <summary>
/// <c>${stepId.output.path}</c> in a step's arguments: the value at <c>path</c> (property names and <c>[n]</c>
/// indices) of that step's output. A string that is exactly one reference becomes the value itself (any JSON type);
/// a reference inside a longer string is replaced by the value's text.
/// </summary>
public static partial class StepReferences
{
    [GeneratedRegex(@"\$\{(?<step>[A-Za-z][A-Za-z0-9_-]*)\.output(?<path>(\.[A-Za-z0-9_]+|\[\d+\])*)\}")]
    private static partial Regex Reference();

    /// <summary>The ids of the steps <paramref name="arguments"/> refers to.</summary>
    public static IEnumerable<string> StepsIn(JsonElement? arguments) =>
        arguments is { } json ? Strings(json).SelectMany(s => Reference().Matches(s).Select(m => m.Groups["step"].Value)).Distinct() : [];

    /// <summary>The arguments with every reference replaced from <paramref name="outputs"/> (step id → output).</summary>
    public static JsonElement Resolve(JsonElement arguments, IReadOnlyDictionary<string, JsonElement> outputs) =>
        JsonSerializer.SerializeToElement(ResolveNode(JsonNode.Parse(arguments.GetRawText()), outputs));

    // Always returns a new node (without a parent), so it can be placed in the copy being built.
    private static JsonNode? ResolveNode(JsonNode? node, IReadOnlyDictionary<string, JsonElement> outputs)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = ResolveNode(value, outputs);
                }
                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => ResolveNode(item, outputs))]);
            case JsonValue value when value.TryGetValue<string>(out var text):
                var whole = Reference().Match(text);
                if (whole.Success && whole.Length == text.Length)
                {
                    return JsonNode.Parse(Lookup(whole, outputs).GetRawText());
                }
                return JsonValue.Create(Reference().Replace(text, m =>
                {
                    var found = Lookup(m, outputs);
                    return found.ValueKind == JsonValueKind.String ? found.GetString()! : found.GetRawText();
                }));
            default:
                return node?.DeepClone();
        }
    }

    private static JsonElement Lookup(Match reference, IReadOnlyDictionary<string, JsonElement> outputs)
    {
        var step = reference.Groups["step"].Value;
        if (!outputs.TryGetValue(step, out var current))
        {
            throw new StepReferenceException($"{reference.Value}: step '{step}' has no output.");
        }
        foreach (Match part in PathPart().Matches(reference.Groups["path"].Value))
        {
            if (part.Groups["index"].Success)
            {
                var index = int.Parse(part.Groups["index"].Value, CultureInfo.InvariantCulture);
                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                {
                    throw new StepReferenceException($"{reference.Value}: there is no item {index} there.");
                }
                current = current[index];
            }
            else if (current.ValueKind != JsonValueKind.Object || !TryGetProperty(current, part.Groups["name"].Value, out current))
            {
                throw new StepReferenceException($"{reference.Value}: there is no '{part.Groups["name"].Value}' there.");
            }
        }
        return current;
    }

    // Outputs are serialised in camelCase; a reference may be written either way.
    private static bool TryGetProperty(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathPart();

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };
}

/// <summary>A reference that cannot be resolved at run time (the output lacks the path): the step fails.</summary>
public sealed class StepReferenceException(string message) : Exception(message);
