using System.Text.RegularExpressions;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Worker.Agents;

/// <summary>
/// The project documents a run was given as input (<see cref="RunSettings.Inputs"/>): named <c>inputs/&lt;title&gt;</c>
/// in its sandbox session, their bytes read (as the owner) only when the session opens.
/// </summary>
public static partial class InputFiles
{
    public sealed record Input(Guid DocumentId, string Path);

    [GeneratedRegex(@"[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();

    public static async Task<IReadOnlyList<Input>> ListAsync(Run run, BioDbContext db, CancellationToken cancellationToken)
    {
        if (RunSettings.Of(run).Inputs is not { Count: > 0 } ids)
        {
            return [];
        }
        var documents = await db.KnowledgeDocuments.AsNoTracking()
            .Where(d => ids.Contains(d.Id) && d.ProjectId == run.ProjectId)
            .Select(d => new { d.Id, d.Title })
            .ToListAsync(cancellationToken);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var inputs = new List<Input>();
        foreach (var document in documents.OrderBy(d => ids.ToList().IndexOf(d.Id)))
        {
            var name = Unsafe().Replace(Path.GetFileName(document.Title), "_").Trim('.');
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
        var ids = inputs.Select(i => i.DocumentId).ToList();
        var contents = await db.DocumentContents.AsNoTracking().Where(c => ids.Contains(c.DocumentId))
            .ToDictionaryAsync(c => c.DocumentId, c => c.Content, cancellationToken);
        return [.. inputs.Where(i => contents.ContainsKey(i.DocumentId)).Select(i => new InputFile(i.Path, contents[i.DocumentId]))];
    }
}
