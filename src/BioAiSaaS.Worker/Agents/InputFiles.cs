using System.Text.RegularExpressions;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Worker.Agents;

/// <summary>
/// The files a run was given as input (<see cref="RunSettings.Inputs"/>): project documents, and artifacts of the
/// project's earlier runs (a follow-up builds on them). Named <c>inputs/&lt;name&gt;</c> in its sandbox session, their
/// bytes read (as the owner) only when the session opens.
/// </summary>
public static partial class InputFiles
{
    /// <param name="Id">A document's or an artifact's id.</param>
    /// <param name="Path">Where the run's code finds it.</param>
    public sealed record Input(Guid Id, string Path);

    [GeneratedRegex(@"[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();

    /// <summary>A task run also finds the artifacts of the project's latest runs, up to this many of them.</summary>
    public const int EarlierRuns = 5;
    private const long MaxEarlierArtifactBytes = 5 << 20;

    public static async Task<IReadOnlyList<Input>> ListAsync(Run run, BioDbContext db, CancellationToken cancellationToken)
    {
        var chosen = await ChosenAsync(run, db, cancellationToken);
        if (run.Kind != RunKind.Task)
        {
            return chosen;
        }
        // A follow-up task builds on earlier work: what the latest runs produced is in earlier/<run>/, read-only by convention.
        var earlier = await db.Runs.AsNoTracking()
            .Where(r => r.ProjectId == run.ProjectId && r.Id != run.Id && r.FinishedAt != null && r.CreatedAt < run.CreatedAt)
            .OrderByDescending(r => r.CreatedAt).Take(EarlierRuns).Select(r => r.Id)
            .ToListAsync(cancellationToken);
        var artifacts = await db.RunArtifacts.AsNoTracking()
            .Where(a => earlier.Contains(a.RunId) && a.Size <= MaxEarlierArtifactBytes)
            .OrderBy(a => a.CreatedAt).Select(a => new { a.Id, a.RunId, a.Name })
            .ToListAsync(cancellationToken);
        return [.. chosen, .. artifacts.Select(a => new Input(a.Id, $"earlier/{a.RunId:N}/{Unsafe().Replace(Path.GetFileName(a.Name), "_")}"))];
    }

    private static async Task<IReadOnlyList<Input>> ChosenAsync(Run run, BioDbContext db, CancellationToken cancellationToken)
    {
        if (RunSettings.Of(run).Inputs is not { Count: > 0 } ids)
        {
            return [];
        }
        var named = await db.KnowledgeDocuments.AsNoTracking()
            .Where(d => ids.Contains(d.Id) && d.ProjectId == run.ProjectId)
            .Select(d => new { d.Id, Name = d.Title })
            .Concat(db.RunArtifacts.AsNoTracking()
                .Where(a => ids.Contains(a.Id) && db.Runs.Any(r => r.Id == a.RunId && r.ProjectId == run.ProjectId))
                .Select(a => new { a.Id, a.Name }))
            .ToListAsync(cancellationToken);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var inputs = new List<Input>();
        foreach (var document in named.OrderBy(d => ids.ToList().IndexOf(d.Id)))
        {
            var name = Unsafe().Replace(Path.GetFileName(document.Name), "_").Trim('.');
            name = name.Length == 0 ? document.Id.ToString("N") : name;
            // Two documents with one title get distinct names: the second keeps its id beside it.
            if (!used.Add(name))
            {
                name = $"{document.Id:N}-{name}";
                used.Add(name);
            }
            inputs.Add(new Input(document.Id, "inputs/" + name));
        }
        return inputs;
    }

    public static async Task<IReadOnlyList<InputFile>> LoadAsync(Run run, IReadOnlyList<Input> inputs, IServiceScopeFactory scopes,
        CancellationToken cancellationToken)
    {
        if (inputs.Count == 0)
        {
            return [];
        }
        await using var scope = scopes.CreateTenantScope(run.OwnerId);
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var ids = inputs.Select(i => i.Id).ToList();
        var contents = await db.DocumentContents.AsNoTracking().Where(c => ids.Contains(c.DocumentId))
            .Select(c => new { Id = c.DocumentId, c.Content })
            .Concat(db.RunArtifacts.AsNoTracking().Where(a => ids.Contains(a.Id)).Select(a => new { a.Id, a.Content }))
            .ToDictionaryAsync(c => c.Id, c => c.Content, cancellationToken);
        return [.. inputs.Where(i => contents.ContainsKey(i.Id)).Select(i => new InputFile(i.Path, contents[i.Id]))];
    }
}
