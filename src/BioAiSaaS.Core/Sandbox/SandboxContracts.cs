using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Sandbox;

/// <summary>The wire contract of the SandboxHost's <c>/v1/executions</c>, shared by its one caller, the Worker.</summary>
public static class SandboxApi
{
    public const string ExecutionsPath = "/v1/executions";
}

[JsonConverter(typeof(JsonStringEnumConverter<SandboxLanguage>))]
public enum SandboxLanguage
{
    [JsonStringEnumMemberName("python")] Python,
    /// <summary>A bash script, for the command-line tools of the image; same isolation and limits.</summary>
    [JsonStringEnumMemberName("bash")] Bash,
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
    Termination? Termination);

/// <summary>Limits on what a client may submit, enforced by the Api and again by the SandboxHost.</summary>
public static class ExecutionLimits
{
    public const int MaxCodeLength = 64 * 1024;
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 300;
    public const int DefaultTimeoutSeconds = 30;
}
