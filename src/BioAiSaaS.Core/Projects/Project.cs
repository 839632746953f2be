namespace BioAiSaaS.Core.Projects;

/// <summary>A researcher's workspace: its documents, knowledge and (with the agent) its runs. Row-level security shows it to its owner only.</summary>
public sealed class Project
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}
