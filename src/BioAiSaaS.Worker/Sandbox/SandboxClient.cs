using System.Net;
using BioAiSaaS.Core.Sandbox;

namespace BioAiSaaS.Worker.Sandbox;

/// <summary>The SandboxHost no longer has the session (it restarted, or the session expired or was killed).</summary>
public sealed class SandboxSessionLostException(string sessionId, string reason)
    : Exception($"Sandbox session {sessionId} is gone ({reason}).")
{
    public string Reason { get; } = reason;
}

/// <summary>The SandboxHost refused a request as invalid (4xx): retrying it cannot help.</summary>
public sealed class SandboxRejectedException(int status, string detail)
    : Exception($"The sandbox refused the request ({status}): {detail}")
{
    public int Status { get; } = status;
}

/// <summary>Calls the SandboxHost, found by service discovery as <c>http://sandbox</c>.</summary>
public sealed class SandboxClient(HttpClient http)
{
    /// <summary>A session that survives the loss of its sandbox by replaying what this worker sent it.</summary>
    public async Task<ReplayableSession> OpenSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken) =>
        new(this, request, await CreateSessionAsync(request, cancellationToken));

    public async Task<SessionInfo> CreateSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(SandboxApi.SessionsPath, request, cancellationToken);
        return await ReadAsync<SessionInfo>(response, "", cancellationToken);
    }

    public async Task<ExecutionResult> ExecuteAsync(string sessionId, ExecutionRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(SandboxApi.SessionExecutionsPath(sessionId), request, cancellationToken);
        return await ReadAsync<ExecutionResult>(response, sessionId, cancellationToken);
    }

    public async Task UploadAsync(string sessionId, string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var body = new ReadOnlyMemoryContent(content);
        using var response = await http.PutAsync(SandboxApi.SessionFilePath(sessionId, path), body, cancellationToken);
        await ReadAsync<WorkspaceFileInfo>(response, sessionId, cancellationToken);
    }

    public async Task<byte[]> DownloadAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(SandboxApi.SessionFilePath(sessionId, path), cancellationToken);
        await ThrowIfFailedAsync(response, sessionId, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Ends a session; one that is already gone is fine.</summary>
    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync(SandboxApi.SessionPath(sessionId), cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Gone))
        {
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string sessionId, CancellationToken cancellationToken)
    {
        await ThrowIfFailedAsync(response, sessionId, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
               ?? throw new InvalidOperationException("The sandbox answered with an empty body.");
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, string sessionId, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var problem = await ReadProblemAsync(response, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound or HttpStatusCode.Gone when sessionId.Length > 0 && problem?.Reason is { } reason:
                throw new SandboxSessionLostException(sessionId, reason);
            case HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.RequestEntityTooLarge
                or HttpStatusCode.InsufficientStorage:
                throw new SandboxRejectedException((int)response.StatusCode, problem?.Describe() ?? response.ReasonPhrase ?? "");
            default:
                response.EnsureSuccessStatusCode();
                return;
        }
    }

    private static async Task<SandboxProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<SandboxProblem>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private sealed record SandboxProblem(string? Title, string? Detail, string? Reason, Dictionary<string, string[]>? Errors)
    {
        public string Describe() => Errors is { Count: > 0 }
            ? string.Join("; ", Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
            : Detail ?? Title ?? "";
    }
}

/// <summary>
/// A sandbox session owned by this worker. Sessions live only as long as their SandboxHost process, so this keeps
/// what it put into the session (uploaded files, executions that completed) and, when the host says the session
/// is gone, creates a new one and replays them in order before carrying on. Replayed executions should be
/// deterministic enough for that to restore the state the next step needs (the agent's cells are).
/// </summary>
public sealed class ReplayableSession(SandboxClient client, CreateSessionRequest request, SessionInfo session) : IAsyncDisposable
{
    private readonly List<Func<string, CancellationToken, Task>> _inputs = [];
    /// <summary>The session is known to be gone: restore it before the next call.</summary>
    private bool _lost;

    public string Id { get; private set; } = session.Id;

    /// <summary>How many times the session was recreated and replayed.</summary>
    public int Recreated { get; private set; }

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest execution, CancellationToken cancellationToken)
    {
        var result = await WithReplayAsync((id, ct) => client.ExecuteAsync(id, execution, ct), cancellationToken);
        if (result.SessionEnded)
        {
            // This execution itself ended the session (a hard limit): it is not replayed, or it would end the next one too.
            _lost = true;
        }
        else
        {
            _inputs.Add((id, ct) => client.ExecuteAsync(id, execution, ct));
        }
        return result;
    }

    public async Task UploadAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await WithReplayAsync(async (id, ct) =>
        {
            await client.UploadAsync(id, path, content, ct);
            return true;
        }, cancellationToken);
        _inputs.Add((id, ct) => client.UploadAsync(id, path, content, ct));
    }

    public Task<byte[]> DownloadAsync(string path, CancellationToken cancellationToken) =>
        WithReplayAsync((id, ct) => client.DownloadAsync(id, path, ct), cancellationToken);

    private async Task<T> WithReplayAsync<T>(Func<string, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (_lost)
        {
            await RestoreAsync(cancellationToken);
        }
        try
        {
            return await call(Id, cancellationToken);
        }
        catch (SandboxSessionLostException)
        {
            await RestoreAsync(cancellationToken);
            return await call(Id, cancellationToken);
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        Id = (await client.CreateSessionAsync(request, cancellationToken)).Id;
        Recreated++;
        foreach (var input in _inputs)
        {
            await input(Id, cancellationToken);
        }
        _lost = false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await client.DeleteSessionAsync(Id, CancellationToken.None);
        }
        catch (HttpRequestException)
        {
            // The host is gone; so is the session. Idle expiry covers any other case.
        }
    }
}

public static class SandboxClientExtensions
{
    public const string ServiceName = "sandbox";

    public static IHostApplicationBuilder AddSandboxClient(this IHostApplicationBuilder builder)
    {
        // The standard handler from ServiceDefaults cuts attempts at 10 s; an execution may legitimately take
        // the longest allowed timeout, so this client swaps it for one whose timeouts allow for that.
        var attempt = TimeSpan.FromSeconds(ExecutionLimits.MaxTimeoutSeconds + 30);
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: experimental, but the documented way to replace the defaults' handler.
        builder.Services.AddHttpClient<SandboxClient>(http => http.BaseAddress = new Uri($"https+http://{ServiceName}"))
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = attempt;
                options.TotalRequestTimeout.Timeout = attempt * 3;
                options.CircuitBreaker.SamplingDuration = attempt * 2;
            });
#pragma warning restore EXTEXP0001
        return builder;
    }
}
