using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Worker.Knowledge;

/// <summary>
/// Keeps the current embedding model's vectors complete: after a model switch it backfills the projects' passages
/// (<see cref="EmbeddingBackfill"/>); otherwise each pass finds nothing and costs one query. One worker at a time
/// does it, the holder of a PostgreSQL advisory lock, so replicas never embed the same passages twice.
/// </summary>
public sealed partial class EmbeddingBackfillService(EmbeddingBackfill backfill, IServiceScopeFactory scopes,
    ILogger<EmbeddingBackfillService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    // Any constant shared by every worker; it names this job among the database's advisory locks.
    private const long LockKey = 0x42_696f_4261_636b; // "BioBack"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        NpgsqlConnection? leadership = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    leadership ??= await TryLeadAsync(stoppingToken);
                    if (leadership is not null)
                    {
                        // The lock dies with its session (a database restart): a broken connection throws here.
                        await using (var ping = new NpgsqlCommand("SELECT 1", leadership))
                        {
                            await ping.ExecuteScalarAsync(stoppingToken);
                        }
                        await backfill.RunAsync(BackfillScope.Projects, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // PostgreSQL or an embedding endpoint unreachable: give up the lock and try again later.
                    LogFailed(logger, e);
                    if (leadership is not null)
                    {
                        await leadership.DisposeAsync();
                        leadership = null;
                    }
                }
                await Task.Delay(Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (leadership is not null)
            {
                await leadership.DisposeAsync();
            }
        }
    }

    // A session-level advisory lock lives as long as its connection: holding the connection open holds the job.
    private async Task<NpgsqlConnection?> TryLeadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var connectionString = scope.ServiceProvider.GetRequiredService<BioDbContext>().Database.GetConnectionString();
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } };
        if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
        {
            return connection;
        }
        await connection.DisposeAsync();
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding backfill failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
