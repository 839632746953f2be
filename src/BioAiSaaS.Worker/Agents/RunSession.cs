using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Worker.Sandbox;

namespace BioAiSaaS.Worker.Agents;

/// <summary>A file the run starts with, placed in its session's working directory.</summary>
public sealed record InputFile(string Path, byte[] Content);

/// <summary>
/// The run's sandbox session, opened when the first code (a code step, or the analyst's run_python) needs it and
/// shared by all of them: variables and files carry from one execution to the next. On opening it receives the run's
/// input files and replays the code a resumed run had already run. A session runs one cell at a time, so executions
/// take turns.
/// </summary>
public sealed class RunSession(SandboxClient sandbox, Guid ownerId, Func<CancellationToken, Task<IReadOnlyList<InputFile>>> inputs,
    IReadOnlyList<ExecutionRequest> replay) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ReplayableSession? _session;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken) =>
        await WithSessionAsync(session => session.ExecuteAsync(request, cancellationToken), cancellationToken);

    public async Task<byte[]> DownloadAsync(string path, CancellationToken cancellationToken) =>
        await WithSessionAsync(session => session.DownloadAsync(path, cancellationToken), cancellationToken);

    private async Task<T> WithSessionAsync<T>(Func<ReplayableSession, Task<T>> call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_session is null)
            {
                var session = await sandbox.OpenSessionAsync(new CreateSessionRequest(Tenant: ownerId.ToString()), cancellationToken);
                foreach (var file in await inputs(cancellationToken))
                {
                    await session.UploadAsync(file.Path, file.Content, cancellationToken);
                }
                foreach (var earlier in replay)
                {
                    await session.ExecuteAsync(earlier, cancellationToken);
                }
                _session = session;
            }
            return await call(_session);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
        _gate.Dispose();
    }
}
