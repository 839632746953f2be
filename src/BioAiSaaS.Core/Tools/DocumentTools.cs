using System.ComponentModel;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Core.Tools;

/// <summary>A project document as <c>list_documents</c> shows it.</summary>
public sealed record DocumentSummary(Guid Id, string Title, string Kind, long SizeBytes, string Status);

/// <summary>A slice of a document's text, as <c>read_document</c> returns it; read on from <see cref="NextOffset"/>.</summary>
public sealed record DocumentPage(Guid Id, string Title, int Offset, int TotalCharacters, int? NextOffset, string Text);

/// <summary>
/// The researcher's way into the run's project documents beyond search: what is there, and a document's text read in
/// order (as the caller's tenant: row-level security applies, and only the run's project is visible).
/// </summary>
public static class DocumentTools
{
    public const int MaxPageCharacters = 12_000;

    public static ResearchTool ListDocuments { get; } = new("knowledge", AIFunctionFactory.Create(ListAsync, new AIFunctionFactoryOptions
    {
        Name = "list_documents",
        Description = "List the documents uploaded to the run's project: id, title, kind (text, markdown, pdf, csv, "
            + "fasta, genbank), size and whether they are ready to search.",
    }));

    public static ResearchTool ReadDocument { get; } = new("knowledge", AIFunctionFactory.Create(ReadAsync, new AIFunctionFactoryOptions
    {
        Name = "read_document",
        Description = "Read a project document's text in order, a page at a time: give its id or exact title, and the "
            + "offset to continue from (nextOffset of the previous page).",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [ListDocuments, ReadDocument];

    private static async Task<IReadOnlyList<DocumentSummary>> ListAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (services.GetRequiredService<ToolContext>().ProjectId is not { } project)
        {
            return [];
        }
        return await services.GetRequiredService<BioDbContext>().KnowledgeDocuments.AsNoTracking()
            .Where(d => d.ProjectId == project)
            .OrderBy(d => d.CreatedAt)
            .Select(d => new DocumentSummary(d.Id, d.Title, d.Kind, d.SizeBytes, d.Status.ToString().ToLowerInvariant()))
            .ToListAsync(cancellationToken);
    }

    private static async Task<DocumentPage> ReadAsync(
        IServiceProvider services,
        [Description("The document's id, or its exact title.")] string document,
        [Description("Where to start, in characters (default 0).")] int offset = 0,
        [Description("How many characters to read, at most 12000 (default 6000).")] int length = 6000,
        CancellationToken cancellationToken = default)
    {
        if (offset < 0 || length is < 1 or > MaxPageCharacters)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"offset must be at least 0 and length between 1 and {MaxPageCharacters}.");
        }
        var project = services.GetRequiredService<ToolContext>().ProjectId
            ?? throw new ArgumentException("This run has no project, so it has no documents.", nameof(document));
        var db = services.GetRequiredService<BioDbContext>();
        Guid? id = Guid.TryParse(document, out var parsed) ? parsed : null;
        var found = await db.KnowledgeDocuments.AsNoTracking()
            .Where(d => d.ProjectId == project && (id != null ? d.Id == id : d.Title == document))
            .Select(d => new { d.Id, d.Title, d.Kind })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ArgumentException($"The project has no document '{document}'. list_documents shows what it has.", nameof(document));
        var content = await db.DocumentContents.AsNoTracking().Where(c => c.DocumentId == found.Id).Select(c => c.Content)
            .SingleAsync(cancellationToken);
        var text = string.Join("\n\n", DocumentText.Extract(found.Kind, content).Select(s => $"[{s.Location}]\n{s.Text}"));
        var start = Math.Min(offset, text.Length);
        var end = Math.Min(text.Length, start + length);
        return new DocumentPage(found.Id, found.Title, start, text.Length, end < text.Length ? end : null, text[start..end]);
    }
}
