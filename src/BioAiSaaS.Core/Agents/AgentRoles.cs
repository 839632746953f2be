using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Core.Agents;

/// <summary>
/// The agent's roles. The planner turns a task into steps; researcher, analyst and reporter carry out <c>llm</c>
/// steps; the reviewer checks their results and may send a step back once.
/// </summary>
public static class AgentRoles
{
    public const string Planner = "planner";
    public const string Researcher = "researcher";
    public const string Analyst = "analyst";
    public const string Reviewer = "reviewer";
    public const string Reporter = "reporter";

    /// <summary>The roles an <c>llm</c> step may name.</summary>
    public static readonly IReadOnlyList<string> StepRoles = [Researcher, Analyst, Reporter];

    public static readonly IReadOnlyList<string> All = [Planner, Researcher, Analyst, Reviewer, Reporter];

    /// <summary>Tokens (input and output, all calls) one pass of a role may spend unless configured otherwise.</summary>
    public static int DefaultMaxTokens(string role) => role switch
    {
        Analyst => 60_000,
        Researcher => 30_000,
        Reporter => 20_000,
        Planner => 20_000,
        _ => 8_000,
    };
}

/// <summary>One role's settings: its model (else the default <c>Llm:Model</c>) and its token budget per step.</summary>
public sealed class RoleSettings
{
    public string? Model { get; set; }

    [Range(100, 10_000_000)]
    public int? MaxTokens { get; set; }
}

/// <summary>The agent, bound from the <c>Agents</c> section.</summary>
public sealed class AgentOptions : IValidatableObject
{
    public const string Section = "Agents";

    /// <summary>Per role (planner, researcher, analyst, reviewer, reporter): model and token budget.</summary>
    public Dictionary<string, RoleSettings> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the reviewer checks role steps' results (and may send one back once).</summary>
    public bool Review { get; set; } = true;

    /// <summary>How many times the analyst may run code in one pass of a step: write, run, read the error, fix.</summary>
    [Range(1, 20)]
    public int MaxCodeAttempts { get; set; } = 4;

    /// <summary>How many steps one worker runs at once, over all its runs.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentStepsPerWorker { get; set; } = 16;

    public RoleSettings For(string role) => Roles.TryGetValue(role, out var settings) ? settings : new RoleSettings();

    public int MaxTokensFor(string role) => For(role).MaxTokens ?? AgentRoles.DefaultMaxTokens(role);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (role, settings) in Roles)
        {
            if (!AgentRoles.All.Contains(role, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ValidationResult($"Agents:Roles:{role} is not a role. Roles: {string.Join(", ", AgentRoles.All)}.", [nameof(Roles)]);
            }
            if (settings.MaxTokens is < 100)
            {
                yield return new ValidationResult($"Agents:Roles:{role}:MaxTokens must be at least 100.", [nameof(Roles)]);
            }
        }
    }
}
