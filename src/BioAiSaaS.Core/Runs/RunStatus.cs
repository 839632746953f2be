using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Runs;

/// <summary>Where a run is in its life. Stored as text so SQL and dashboards read it plainly.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Stopped at the client's request (<c>POST /api/runs/{id}/cancel</c>).</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

public static class RunStatusExtensions
{
    public static bool IsTerminal(this RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
}
