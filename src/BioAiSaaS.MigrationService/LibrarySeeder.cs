using System.Security.Cryptography;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tools;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.MigrationService;

/// <summary>
/// Seeds the built-in library (no project, no owner: everyone reads it): the know-how Markdown files shipped beside
/// this service, each with a front matter naming its title, source, licence and whether commercial use is allowed,
/// and one entry per registered tool (its description and parameters), so the agent finds tools by meaning.
/// Idempotent: an entry whose content is already in the library is skipped, so every start may run it.
/// </summary>
public sealed class LibrarySeeder(BioDbContext db, KnowledgeIndexer indexer, ILogger<LibrarySeeder> logger)
{
    public const string ToolKind = "tool";

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "Library");

    public async Task<int> SeedAsync(string directory, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var path in Directory.EnumerateFiles(directory, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (await db.KnowledgeDocuments.AnyAsync(d => d.ProjectId == null && d.ContentHash == hash, cancellationToken))
            {
                continue;
            }
            var (meta, body) = LibraryEntry.Parse(System.Text.Encoding.UTF8.GetString(bytes));
            var passages = Chunker.Split(DocumentText.Extract("markdown", System.Text.Encoding.UTF8.GetBytes(body))).ToList();
            var now = DateTimeOffset.UtcNow;
            var document = new KnowledgeDocument
            {
                Id = Guid.CreateVersion7(), Title = meta.Title, Kind = Path.GetFileName(Path.GetDirectoryName(path)) ?? "know-how",
                ContentHash = hash, SizeBytes = bytes.Length, Source = meta.Source,
                Licence = meta.Licence, CommercialUse = meta.Commercial, CreatedAt = now, UpdatedAt = now,
            };
            await indexer.IndexAsync(db, document, isNew: true, passages, cancellationToken);
            added++;
        }
        logger.LogInformation("Built-in library: {Added} entries added", added);
        return added;
    }

    /// <summary>
    /// One library entry per tool. A tool whose description or parameters changed gets a new entry and loses the old
    /// one; a tool no longer registered loses its entry. Returns the number of entries added.
    /// </summary>
    public async Task<int> SeedToolsAsync(ToolRegistry tools, CancellationToken cancellationToken)
    {
        var wanted = tools.All.Select(t => (Tool: t, Text: t.ToMarkdown()))
            .Select(t => (t.Tool, t.Text, Hash: Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(t.Text)))))
            .ToList();
        var hashes = wanted.Select(w => w.Hash).ToList();
        var removed = await db.KnowledgeDocuments
            .Where(d => d.ProjectId == null && d.Kind == ToolKind && !hashes.Contains(d.ContentHash))
            .ExecuteDeleteAsync(cancellationToken);
        var present = await db.KnowledgeDocuments.Where(d => d.ProjectId == null && d.Kind == ToolKind)
            .Select(d => d.ContentHash).ToListAsync(cancellationToken);
        var added = 0;
        foreach (var (tool, text, hash) in wanted.Where(w => !present.Contains(w.Hash)))
        {
            var now = DateTimeOffset.UtcNow;
            var document = new KnowledgeDocument
            {
                Id = Guid.CreateVersion7(), Title = tool.Name, Kind = ToolKind, ContentHash = hash, SizeBytes = text.Length,
                Source = "BioAiSaaS tool registry", Licence = "Proprietary (BioAiSaaS)", CommercialUse = true,
                CreatedAt = now, UpdatedAt = now,
            };
            var passages = Chunker.Split(DocumentText.Extract("markdown", System.Text.Encoding.UTF8.GetBytes(text))).ToList();
            await indexer.IndexAsync(db, document, isNew: true, passages, cancellationToken);
            added++;
        }
        logger.LogInformation("Built-in library: {Added} tool entries added, {Removed} outdated removed", added, removed);
        return added;
    }
}

/// <summary>A library file's front matter: <c>---</c>, <c>key: value</c> lines, <c>---</c>, then Markdown.</summary>
public sealed record LibraryEntry(string Title, string? Source, string? Licence, bool Commercial)
{
    public static (LibraryEntry Meta, string Body) Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 3 || lines[0].Trim() != "---")
        {
            throw new InvalidDataException("A library entry starts with a front matter between '---' lines.");
        }
        var end = Array.FindIndex(lines, 1, l => l.Trim() == "---");
        var fields = lines[1..end].Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var meta = new LibraryEntry(
            fields.GetValueOrDefault("title") ?? throw new InvalidDataException("A library entry needs a title."),
            fields.GetValueOrDefault("source"), fields.GetValueOrDefault("licence"),
            !string.Equals(fields.GetValueOrDefault("commercial"), "false", StringComparison.OrdinalIgnoreCase));
        return (meta, string.Join('\n', lines[(end + 1)..]));
    }
}
