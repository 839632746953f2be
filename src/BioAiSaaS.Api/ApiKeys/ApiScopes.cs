namespace BioAiSaaS.Api.ApiKeys;

/// <summary>What an API key may do. A signed-in user (JWT) may do everything their account may.</summary>
public static class ApiScopes
{
    public const string RunsRead = "runs:read";
    public const string RunsWrite = "runs:write";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { RunsRead, RunsWrite };
}
