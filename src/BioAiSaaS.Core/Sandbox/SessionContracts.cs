using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Sandbox;

/// <summary>
/// A request for a stateful session. Fields are nullable so that the host fills defaults and names what is
/// wrong. <see cref="Tenant"/> is the account the session works for: the per-tenant cap counts by it.
/// </summary>
public sealed record CreateSessionRequest(
    string? Tenant = null,
    string? Language = null,
    SessionLimits? Limits = null,
    int? IdleTimeoutSeconds = null);

/// <summary>Limits a session may lower below the host's defaults (never raise).</summary>
public sealed record SessionLimits(long? MemoryBytes = null, int? MaxProcesses = null);

[JsonConverter(typeof(JsonStringEnumConverter<SessionState>))]
public enum SessionState
{
    [JsonStringEnumMemberName("idle")] Idle,
    [JsonStringEnumMemberName("busy")] Busy,
}

/// <summary>A live session. <see cref="Uid"/> is the host uid it runs as (what <c>os.getuid()</c> shows inside), for operators.</summary>
public sealed record SessionInfo(
    string Id,
    string? Tenant,
    SessionState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset IdleExpiresAt,
    DateTimeOffset ExpiresAt,
    int Executions,
    long MemoryBytes,
    int MaxProcesses,
    long WorkspaceBytes,
    int Uid);

/// <summary>A workspace file as the listing shows it.</summary>
public sealed record WorkspaceFileInfo(string Path, long Size, DateTimeOffset LastWriteTime);

/// <summary>What the host can do: the worker and the capabilities endpoint agree on these names.</summary>
public sealed record SandboxCapabilities(
    string Isolation,
    string[] Languages,
    string? PythonVersion,
    string? RVersion,
    int MaxSessions,
    int MaxSessionsPerTenant,
    int WarmSessions,
    int IdleTimeoutSeconds,
    int MaxLifetimeSeconds);

/// <summary>Why a session is gone, as the problem's <c>reason</c> extension says (the worker decides to replay on it).</summary>
public static class SessionEndReasons
{
    public const string Deleted = "deleted";
    public const string IdleExpired = "idle_expired";
    public const string LifetimeExpired = "lifetime_expired";
    public const string Killed = "killed";
    /// <summary>The id is unknown: never issued, or issued by a host process that has since restarted.</summary>
    public const string Unknown = "unknown";
}
