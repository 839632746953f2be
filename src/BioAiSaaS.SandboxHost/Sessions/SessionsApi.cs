using System.Globalization;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>
/// <c>/v1/sessions</c>: stateful sessions (Jupyter-like), their executions and their workspace files.
/// Only the Worker reaches this API (see docs/sandbox.md); it holds nothing secret, the session ids are capabilities.
/// </summary>
public static class SessionsApi
{
    private const int MaxListedFiles = 1000;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup(SandboxApi.SessionsPath);
        sessions.MapPost("/", CreateAsync);
        sessions.MapGet("/", (SessionManager manager, string? tenant) =>
            TypedResults.Ok(manager.Sessions.Where(s => tenant is null || s.Tenant == tenant).Select(s => s.Describe()).ToList()));
        sessions.MapGet("/{id}", (string id, SessionManager manager) =>
            Find(manager, id, out var session) is { } gone ? (Results<Ok<SessionInfo>, ProblemHttpResult>)gone : TypedResults.Ok(session.Describe()));
        sessions.MapDelete("/{id}", Delete);
        sessions.MapPost("/{id}/executions", ExecuteAsync)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(SandboxProblems.MaxCodeRequestBytes));
        sessions.MapGet("/{id}/files", ListFiles);
        sessions.MapGet("/{id}/files/{**path}", Download);
        sessions.MapPut("/{id}/files/{**path}", UploadAsync).WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
        sessions.MapDelete("/{id}/files/{**path}", DeleteFile);
        return app;
    }

    private static async Task<Results<Created<SessionInfo>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateSessionRequest request, SessionManager manager, ProcessLauncher launcher, HttpContext context, CancellationToken cancellationToken)
    {
        if (!TryValidate(request, manager.DefaultSettings, out var settings, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        try
        {
            var session = await manager.CreateAsync(request.Tenant, settings, cancellationToken);
            return TypedResults.Created(SandboxApi.SessionPath(session.Id), session.Describe());
        }
        catch (Exception e) when (SandboxProblems.For(e, context) is { } problem)
        {
            return problem;
        }
    }

    private static Results<NoContent, ProblemHttpResult> Delete(string id, SessionManager manager)
    {
        if (manager.End(id, SessionEndReasons.Deleted))
        {
            return TypedResults.NoContent();
        }
        manager.TryGet(id, out _, out var reason);
        return Gone(reason);
    }

    private static async Task<Results<Ok<ExecutionResult>, ValidationProblem, ProblemHttpResult>> ExecuteAsync(
        string id, CodeSubmission submission, SessionManager manager, IsolationProbe probe, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!SandboxProblems.TryValidate(submission, probe, SandboxLanguage.Python, out var request, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (Find(manager, id, out var session) is { } gone)
        {
            return gone;
        }
        try
        {
            return TypedResults.Ok(await manager.ExecuteAsync(session, request, cancellationToken));
        }
        catch (Exception e) when (SandboxProblems.For(e, context) is { } problem)
        {
            return problem;
        }
    }

    private static Results<Ok<List<WorkspaceFileInfo>>, ProblemHttpResult> ListFiles(string id, SessionManager manager)
    {
        if (Find(manager, id, out var session) is { } gone)
        {
            return gone;
        }
        using var files = Open(session);
        return TypedResults.Ok(files.List(MaxListedFiles)
            .Select(f => new WorkspaceFileInfo(f.Path, f.Length, f.LastWriteUtc)).ToList());
    }

    private static Results<FileStreamHttpResult, ValidationProblem, ProblemHttpResult> Download(string id, string path, SessionManager manager)
    {
        if (Find(manager, id, out var session) is { } gone)
        {
            return gone;
        }
        using var files = Open(session);
        try
        {
            if (files.OpenRead(path) is not { } file)
            {
                return TypedResults.Problem($"No file '{path}' in the session's workspace.", statusCode: StatusCodes.Status404NotFound,
                    title: "No such file");
            }
            var contentType = ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
            return TypedResults.Stream(file.Content, contentType, fileDownloadName: Path.GetFileName(path));
        }
        catch (WorkspacePathException invalid)
        {
            return PathProblem(invalid);
        }
    }

    private static async Task<Results<Created<WorkspaceFileInfo>, Ok<WorkspaceFileInfo>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        string id, string path, SessionManager manager, IOptions<SandboxOptions> options, HttpRequest http, CancellationToken cancellationToken)
    {
        if (Find(manager, id, out var session) is { } gone)
        {
            return gone;
        }
        using var files = Open(session);
        try
        {
            var written = await files.WriteAsync(path, http.Body, options.Value.MaxUploadBytes, cancellationToken);
            var info = new WorkspaceFileInfo(WorkspaceFiles.Normalize(path), written.Bytes, DateTimeOffset.UtcNow);
            return written.Created ? TypedResults.Created(SandboxApi.SessionFilePath(id, info.Path), info) : TypedResults.Ok(info);
        }
        catch (WorkspacePathException invalid)
        {
            return PathProblem(invalid);
        }
        catch (WorkspaceFileTooLargeException)
        {
            return TypedResults.Problem(string.Create(CultureInfo.InvariantCulture,
                    $"Files uploaded to a session may be at most {options.Value.MaxUploadBytes} bytes."),
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "The file is too large");
        }
        catch (WorkspaceFullException)
        {
            return TypedResults.Problem(string.Create(CultureInfo.InvariantCulture,
                    $"The session's workspace ({session.Settings.WorkspaceBytes} bytes) has no room for this file."),
                statusCode: StatusCodes.Status507InsufficientStorage, title: "The workspace is full");
        }
    }

    private static Results<NoContent, ValidationProblem, ProblemHttpResult> DeleteFile(string id, string path, SessionManager manager)
    {
        if (Find(manager, id, out var session) is { } gone)
        {
            return gone;
        }
        using var files = Open(session);
        try
        {
            return files.Delete(path)
                ? TypedResults.NoContent()
                : TypedResults.Problem($"No file '{path}' in the session's workspace.", statusCode: StatusCodes.Status404NotFound,
                    title: "No such file");
        }
        catch (WorkspacePathException invalid)
        {
            return PathProblem(invalid);
        }
    }

    private static WorkspaceFiles Open(SandboxSession session)
    {
        session.Touch();
        // As root, files the host creates must belong to the session's uid, or the code could not change them.
        return new WorkspaceFiles(session.Kernel.WorkspaceRoot, Environment.IsPrivilegedProcess ? session.Kernel.Uid : null);
    }

    private static ValidationProblem PathProblem(WorkspacePathException invalid) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["path"] = [invalid.Message] });

    /// <summary>Null when the session is live; otherwise the problem that says why it is not.</summary>
    private static ProblemHttpResult? Find(SessionManager manager, string id, out SandboxSession session) =>
        manager.TryGet(id, out session, out var reason) ? null : Gone(reason);

    private static ProblemHttpResult Gone(string reason)
    {
        var unknown = reason == SessionEndReasons.Unknown;
        return TypedResults.Problem(
            unknown
                ? "No session has this id on this host: it never existed, or the host has restarted since (sessions live in memory only)."
                : $"The session has ended ({reason}); its state and files are gone.",
            statusCode: unknown ? StatusCodes.Status404NotFound : StatusCodes.Status410Gone,
            title: unknown ? "No such session" : "The session has ended",
            extensions: new Dictionary<string, object?> { ["reason"] = reason });
    }

    private static bool TryValidate(CreateSessionRequest request, SessionSettings defaults, out SessionSettings settings,
        out Dictionary<string, string[]> errors)
    {
        errors = [];
        settings = defaults;
        if (request.Language is { } language && !string.Equals(language, "python", StringComparison.OrdinalIgnoreCase))
        {
            errors["language"] = [$"Sessions run Python ('{language}' given); run bash or R cells by setting the language of an execution."];
        }
        const long minMemory = 256L << 20;
        if (request.Limits?.MemoryBytes is { } memory)
        {
            if (memory < minMemory || memory > defaults.MemoryBytes)
            {
                errors["limits.memoryBytes"] = [Between(minMemory, defaults.MemoryBytes, memory)];
            }
            settings = settings with { MemoryBytes = memory };
        }
        const int minProcesses = 8;
        if (request.Limits?.MaxProcesses is { } processes)
        {
            if (processes < minProcesses || processes > defaults.MaxProcesses)
            {
                errors["limits.maxProcesses"] = [Between(minProcesses, defaults.MaxProcesses, processes)];
            }
            settings = settings with { MaxProcesses = processes };
        }
        if (request.IdleTimeoutSeconds is { } idle)
        {
            if (idle < 1 || idle > defaults.IdleTimeoutSeconds)
            {
                errors["idleTimeoutSeconds"] = [Between(1, defaults.IdleTimeoutSeconds, idle)];
            }
            settings = settings with { IdleTimeoutSeconds = idle };
        }
        if (request.Tenant is { Length: > 128 })
        {
            errors["tenant"] = ["Must be at most 128 characters."];
        }
        return errors.Count == 0;
    }

    private static string Between(long min, long max, long got) =>
        string.Create(CultureInfo.InvariantCulture, $"Must be between {min} and {max} (this host's limit); got {got}.");
}
