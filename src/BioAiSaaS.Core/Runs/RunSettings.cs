using System.Text.Json;

namespace BioAiSaaS.Core.Runs;

/// <summary>
/// What the client chose for a project run besides its task or workflow: a model per role, a token and time budget,
/// project documents to give the run as input files, and whether the reviewer checks its steps. Stored as JSON on
/// the run; absent means the deployment's defaults.
/// </summary>
public sealed record RunSettings(
    IReadOnlyDictionary<string, string>? Models = null,
    long? MaxTokens = null,
    int? MaxSeconds = null,
    IReadOnlyList<Guid>? Inputs = null,
    bool? Review = null)
{
    public const long MaxTokenBudget = 50_000_000;
    public const int MaxSecondsBudget = 24 * 3600;
    public const int MaxInputs = 20;

    public static RunSettings Of(Run run) =>
        run.Settings is null ? new RunSettings() : JsonSerializer.Deserialize<RunSettings>(run.Settings, JsonSerializerOptions.Web)!;

    public string? ToJson() => this == new RunSettings() ? null : JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}

/// <summary>
/// A file a run produced (a plot, a table, a workspace file its code wrote), kept in PostgreSQL because the sandbox
/// session that made it is gone once the run ends. <see cref="Key"/> (unique per run) names the execution and file,
/// so a resumed run stores nothing twice.
/// </summary>
public sealed class RunArtifact
{
    public Guid Id { get; init; }
    public Guid RunId { get; init; }
    public Guid OwnerId { get; init; }
    public required string StepId { get; init; }
    public required string Key { get; init; }
    public required string Name { get; init; }
    public required string MimeType { get; init; }
    public long Size { get; init; }
    public required string Sha256 { get; init; }
    public required byte[] Content { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
