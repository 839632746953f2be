using System.Security.Cryptography;
using System.Text.Json;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Worker.Agents;

/// <summary>Where one execution's records go: its id in event keys, and its permanent usage key.</summary>
/// <param name="CellId">Unique in the run for this execution: the step, attempt (and, for the analyst, pass and execution).</param>
/// <param name="UsageKey">The sandbox time's idempotency key.</param>
public sealed record CellKeys(string CellId, string UsageKey);

/// <summary>What an execution produced: the sandbox's result, and the JSON the events and step outputs carry.</summary>
public sealed record CellResult(ExecutionResult Execution, JsonElement Output)
{
    public string? Failure => Execution.Succeeded ? null
        : Execution.Error is { } error ? $"{error.Type}: {error.Message}"
        : $"The code ended with exit code {Execution.ExitCode} ({Execution.Termination?.ToString() ?? "exited"}).";
}

/// <summary>
/// Runs one piece of code in the run's session for a step (a code step, or an analyst's run_python call): the code
/// and its output as events, its sandbox time metered, and the files and figures it made kept as the run's artifacts.
/// </summary>
public static class CodeCells
{
    /// <summary>Files bigger than this stay in the (temporary) session; the output says so.</summary>
    public const long MaxArtifactBytes = 20 << 20;
    private const int MaxArtifactsPerCell = 20;

    public static async Task<CellResult> ExecuteAsync(Run run, string stepId, CellKeys keys, ExecutionRequest request, RunSession session,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        var events = services.GetRequiredService<RunEventLog>();
        await events.AppendAsync(run.Id, RunEventTypes.CodeSubmitted, stepId, new { language = request.Language, code = request.Code },
            $"code:{keys.CellId}", cancellationToken);
        var execution = await session.ExecuteAsync(request, cancellationToken);
        var artifacts = await KeepArtifactsAsync(run, stepId, keys.CellId, execution, session, services.GetRequiredService<BioDbContext>(),
            cancellationToken);
        var output = JsonSerializer.SerializeToElement(new
        {
            execution.ExitCode, execution.Stdout, execution.Stderr, execution.Value, execution.Table, execution.Error,
            files = execution.Files, artifacts, execution.DurationMs,
        }, JsonSerializerOptions.Web);
        await events.AppendAsync(run.Id, RunEventTypes.CodeOutput, stepId, output, $"code-output:{keys.CellId}", cancellationToken);
        // Metered per execution: one that ran used the sandbox, whatever the code's outcome.
        if (await services.GetRequiredService<UsageRecorder>().RecordAsync(
                UsageRecorder.SandboxTime(keys.UsageKey, run, stepId, execution.DurationMs), cancellationToken))
        {
            await events.AppendAsync(run.Id, RunEventTypes.Usage, stepId,
                new { kind = UsageKinds.SandboxSeconds, quantity = execution.DurationMs / 1000m }, keys.UsageKey, cancellationToken);
        }
        return new CellResult(execution, output);
    }

    /// <summary>An artifact as outputs and the API list it.</summary>
    public sealed record StoredArtifact(Guid Id, string Name, string MimeType, long Size, string Url);

    /// <summary>
    /// Copies the figures and the files the execution created or changed (not the run's inputs) into PostgreSQL,
    /// once per cell and name: a resumed run's repeated cell stores nothing new.
    /// </summary>
    private static async Task<List<object>> KeepArtifactsAsync(Run run, string stepId, string cellId, ExecutionResult execution,
        RunSession session, BioDbContext db, CancellationToken cancellationToken)
    {
        var kept = new List<object>();
        var candidates = execution.Artifacts.Select(a => (a.Name, a.MimeType, a.Size, a.Path, a.Data))
            .Concat(execution.Files
                .Where(f => f.Change != FileChange.Deleted && !f.Path.StartsWith("inputs/", StringComparison.Ordinal)
                    && !execution.Artifacts.Any(a => a.Path == f.Path))
                .Select(f => (Name: f.Path, MimeType: MimeTypes.For(f.Path), f.Size, Path: (string?)f.Path, Data: (string?)null)))
            .Take(MaxArtifactsPerCell);
        foreach (var (name, mimeType, size, path, data) in candidates)
        {
            if (size > MaxArtifactBytes)
            {
                kept.Add(new { name, mimeType, size, kept = false, reason = $"Larger than {MaxArtifactBytes >> 20} MiB: not kept." });
                continue;
            }
            var content = data is not null ? Convert.FromBase64String(data) : await session.DownloadAsync(path!, cancellationToken);
            var key = $"{cellId}:{name}";
            var id = Guid.CreateVersion7();
            var sha = Convert.ToHexStringLower(SHA256.HashData(content));
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO run_artifacts (id, run_id, owner_id, step_id, key, name, mime_type, size, sha256, content, created_at)
                VALUES ({id}, {run.Id}, {run.OwnerId}, {stepId}, {key}, {name}, {mimeType}, {(long)content.Length}, {sha}, {content}, now())
                ON CONFLICT (run_id, key) DO NOTHING
                """, cancellationToken);
            if (inserted == 0)
            {
                id = await db.RunArtifacts.Where(a => a.RunId == run.Id && a.Key == key).Select(a => a.Id).SingleAsync(cancellationToken);
            }
            kept.Add(new StoredArtifact(id, name, mimeType, content.Length, $"/api/runs/{run.Id}/artifacts/{id}"));
        }
        return kept;
    }
}

/// <summary>Content types for the files code commonly writes; anything else is octet-stream.</summary>
public static class MimeTypes
{
    public static string For(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".svg" => "image/svg+xml",
        ".gif" => "image/gif",
        ".pdf" => "application/pdf",
        ".csv" => "text/csv",
        ".tsv" => "text/tab-separated-values",
        ".txt" or ".log" => "text/plain",
        ".md" => "text/markdown",
        ".json" => "application/json",
        ".html" => "text/html",
        ".fa" or ".fasta" or ".fna" or ".faa" => "text/x-fasta",
        ".gb" or ".gbk" => "text/x-genbank",
        _ => "application/octet-stream",
    };
}
