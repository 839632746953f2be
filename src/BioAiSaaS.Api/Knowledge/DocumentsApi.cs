using System.Globalization;
using System.Security.Cryptography;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Projects;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Knowledge;

/// <summary>
/// <c>/api/projects/{id}/documents</c>: files uploaded to a project. The upload is checked (type, size, readable) and
/// stored; the Worker ingests it (<c>pending → processing → ready | failed</c>). The same content twice is one document.
/// </summary>
public static class DocumentsApi
{
    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder app)
    {
        var documents = app.MapGroup("/api/projects/{projectId:guid}/documents").WithTags("Knowledge")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        documents.MapPost("/", UploadAsync).WithName("UploadDocument")
            .WithSummary("Upload a document (multipart field 'file'; optional 'title')")
            .WithDescription($"Accepted: {string.Join(", ", DocumentText.Extensions)}; at most {KnowledgeLimits.MaxUploadBytes} bytes. " +
                             "202 with the new document (ingested in the background), or 200 with the existing one when the same content was uploaded before.")
            .RequireAuthorization(Policies.RunsWrite)
            // Bearer or API-key authenticated API, not a browser form: no antiforgery token to check.
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(KnowledgeLimits.MaxUploadBytes + (1 << 20)))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        documents.MapGet("/", ListAsync).WithName("ListDocuments").WithSummary("The project's documents and their ingestion status");
        documents.MapGet("/{id:guid}", GetAsync).WithName("GetDocument").WithSummary("A document and its ingestion status");
        documents.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteDocument").WithSummary("Delete a document and its passages")
            .RequireAuthorization(Policies.RunsWrite);
        return app;
    }

    public sealed record DocumentResponse(Guid Id, Guid ProjectId, string Title, string Kind, long SizeBytes, string Status,
        string? FailureReason, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static DocumentResponse From(KnowledgeDocument d) => new(d.Id, d.ProjectId!.Value, d.Title, d.Kind, d.SizeBytes,
            d.Status.ToString().ToLowerInvariant(), d.FailureReason, d.CreatedAt, d.UpdatedAt);
    }

    private static async Task<Results<Accepted<DocumentResponse>, Ok<DocumentResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        Guid projectId, IFormFile? file, [FromForm] string? title, HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        if (await ProjectsApi.FindAsync(db, context, projectId, cancellationToken) is not { } project)
        {
            return ProjectsApi.NotFound();
        }
        if (file is null || file.Length == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["file"] = [file is null ? "Required: send the document as the multipart field 'file'." : "The file is empty."],
            });
        }
        if (file.Length > KnowledgeLimits.MaxUploadBytes)
        {
            return TypedResults.Problem(string.Create(CultureInfo.InvariantCulture, $"Documents may be at most {KnowledgeLimits.MaxUploadBytes} bytes."),
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "The document is too large");
        }
        if (DocumentText.KindOf(file.FileName) is not { } kind)
        {
            return TypedResults.Problem($"'{Path.GetExtension(file.FileName)}' files are not accepted. Accepted: {string.Join(", ", DocumentText.Extensions)}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported document type");
        }
        if (title is { Length: > 500 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = ["At most 500 characters."] });
        }

        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }
        try
        {
            // Read it now, so a corrupt file is refused here, with nothing stored, rather than failing later.
            DocumentText.Extract(kind, content);
        }
        catch (UnreadableDocumentException unreadable)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [unreadable.Message] });
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        if (await FindByHashAsync(db, projectId, hash, cancellationToken) is { } existing)
        {
            return TypedResults.Ok(DocumentResponse.From(existing));
        }
        var now = DatabaseTime.UtcNow();
        var document = new KnowledgeDocument
        {
            Id = Guid.CreateVersion7(), ProjectId = project.Id, OwnerId = project.OwnerId,
            Title = string.IsNullOrWhiteSpace(title) ? Path.GetFileName(file.FileName) : title.Trim(),
            Kind = kind, ContentHash = hash, SizeBytes = content.Length, Status = DocumentStatus.Pending,
            Source = "upload", CreatedAt = now, UpdatedAt = now,
        };
        db.KnowledgeDocuments.Add(document);
        db.DocumentContents.Add(new DocumentContent { DocumentId = document.Id, OwnerId = project.OwnerId, Content = content });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // The same content arrived twice at once: the other upload won; answer with its document.
            db.ChangeTracker.Clear();
            return TypedResults.Ok(DocumentResponse.From((await FindByHashAsync(db, projectId, hash, cancellationToken))!));
        }
        return TypedResults.Accepted($"/api/projects/{projectId}/documents/{document.Id}", DocumentResponse.From(document));
    }

    private static Task<KnowledgeDocument?> FindByHashAsync(BioDbContext db, Guid projectId, string hash, CancellationToken cancellationToken) =>
        db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.ProjectId == projectId && d.ContentHash == hash, cancellationToken);

    private static async Task<Results<Ok<List<DocumentResponse>>, ProblemHttpResult>> ListAsync(Guid projectId, HttpContext context,
        BioDbContext db, CancellationToken cancellationToken)
    {
        if (await ProjectsApi.FindAsync(db, context, projectId, cancellationToken) is null)
        {
            return ProjectsApi.NotFound();
        }
        var documents = await db.KnowledgeDocuments.AsNoTracking().Where(d => d.ProjectId == projectId)
            .OrderByDescending(d => d.CreatedAt).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(documents.Select(DocumentResponse.From).ToList());
    }

    private static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> GetAsync(Guid projectId, Guid id, HttpContext context,
        BioDbContext db, CancellationToken cancellationToken) =>
        await FindAsync(db, context, projectId, id, cancellationToken) is { } document
            ? TypedResults.Ok(DocumentResponse.From(document))
            : DocumentNotFound();

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid projectId, Guid id, HttpContext context,
        BioDbContext db, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, context, projectId, id, cancellationToken) is null)
        {
            return DocumentNotFound();
        }
        // Chunks, vectors and content go with it (foreign keys, ON DELETE CASCADE).
        await db.KnowledgeDocuments.Where(d => d.Id == id).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<KnowledgeDocument?> FindAsync(BioDbContext db, HttpContext context, Guid projectId, Guid id,
        CancellationToken cancellationToken) =>
        await ProjectsApi.FindAsync(db, context, projectId, cancellationToken) is null
            ? null
            : await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.ProjectId == projectId, cancellationToken);

    private static ProblemHttpResult DocumentNotFound() =>
        TypedResults.Problem("No document with this id in this project of yours.", statusCode: StatusCodes.Status404NotFound,
            title: "Document not found");
}
