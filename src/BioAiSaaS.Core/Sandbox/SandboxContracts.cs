using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Sandbox;

/// <summary>The wire contract of the SandboxHost's <c>/v1</c> API, shared by its one caller, the Worker.</summary>
public static class SandboxApi
{
    public const string ExecutionsPath = "/v1/executions";
    public const string SessionsPath = "/v1/sessions";
    public const string CapabilitiesPath = "/v1/capabilities";

    public static string SessionPath(string sessionId) => $"{SessionsPath}/{Uri.EscapeDataString(sessionId)}";
    public static string SessionExecutionsPath(string sessionId) => $"{SessionPath(sessionId)}/executions";

    /// <summary>A workspace path, each segment escaped (the path's own slashes stay separators).</summary>
    public static string SessionFilePath(string sessionId, string path) =>
        $"{SessionPath(sessionId)}/files/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}";
}

[JsonConverter(typeof(JsonStringEnumConverter<SandboxLanguage>))]
public enum SandboxLanguage
{
    [JsonStringEnumMemberName("python")] Python,
    /// <summary>A bash script, for the command-line tools of the image; same isolation and limits.</summary>
    [JsonStringEnumMemberName("bash")] Bash,
    /// <summary>An R script, where the host has Debian's r-base-core (see the capabilities endpoint).</summary>
    [JsonStringEnumMemberName("r")] R,
}

/// <summary>Which limit ended an execution. Null in a result means the code ended by itself.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Termination>))]
public enum Termination
{
    /// <summary>Wall-clock or CPU-time limit.</summary>
    [JsonStringEnumMemberName("timeout")] Timeout,
    /// <summary>The address-space limit: the code could not allocate.</summary>
    [JsonStringEnumMemberName("memory")] Memory,
    /// <summary>stdout or stderr grew past its cap; the process tree was killed.</summary>
    [JsonStringEnumMemberName("output_limit")] OutputLimit,
    /// <summary>Killed by a signal we did not send (e.g. the process-count or file-size limit).</summary>
    [JsonStringEnumMemberName("killed")] Killed,
}

public sealed record ExecutionRequest(SandboxLanguage Language, string Code, int TimeoutSeconds);

public sealed record ExecutionResult(
    bool Succeeded,
    int? ExitCode,
    string Stdout,
    string Stderr,
    bool StdoutTruncated,
    bool StderrTruncated,
    long DurationMs,
    Termination? Termination)
{
    /// <summary>The repr of a trailing expression, like a notebook cell's output (Python only).</summary>
    public string? Value { get; init; }
    /// <summary>The trailing expression as a table, when it is a pandas DataFrame.</summary>
    public TableValue? Table { get; init; }
    /// <summary>Why the code failed: the exception's type, message and traceback (Python only).</summary>
    public ExecutionError? Error { get; init; }
    /// <summary>Workspace files the execution created, modified or deleted.</summary>
    public IReadOnlyList<ChangedFile> Files { get; init; } = [];
    /// <summary>Figures the code showed or left open, and images it wrote.</summary>
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];
    /// <summary>The session did not survive this execution (a limit killed it); its state is gone.</summary>
    public bool SessionEnded { get; init; }
}

public sealed record ExecutionError(string Type, string Message, string Traceback);

/// <summary>The first rows and columns of a DataFrame; cells are JSON numbers, strings, booleans or null.</summary>
public sealed record TableValue(
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<System.Text.Json.JsonElement>> Rows,
    long TotalRows,
    long TotalColumns);

[JsonConverter(typeof(JsonStringEnumConverter<FileChange>))]
public enum FileChange
{
    [JsonStringEnumMemberName("created")] Created,
    [JsonStringEnumMemberName("modified")] Modified,
    [JsonStringEnumMemberName("deleted")] Deleted,
}

public sealed record ChangedFile(string Path, long Size, FileChange Change);

/// <summary>
/// An image the execution produced. <see cref="Path"/> is set when it is a workspace file (download it there);
/// <see cref="Data"/> (base64) when it is small enough to travel inline, always for rendered figures.
/// </summary>
public sealed record Artifact(string Name, string MimeType, long Size, string? Path, string? Data);

/// <summary>Limits on what a client may submit, enforced by the Api and again by the SandboxHost.</summary>
public static class ExecutionLimits
{
    public const int MaxCodeLength = 64 * 1024;
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 300;
    public const int DefaultTimeoutSeconds = 30;
}
