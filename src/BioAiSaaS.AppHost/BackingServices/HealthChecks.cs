using HealthChecks.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace BioAiSaaS.AppHost.BackingServices;

/// <summary>
/// Ready when PostgreSQL accepts a connection and offers the pgvector extension. The connection string is
/// resolved at check time, once Aspire has allocated the resource's port.
/// </summary>
internal sealed class PostgresReadyCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(
                await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            {
                Database = "postgres", // the application database appears only with the first migration
                Pooling = false,
            };
            await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("PostgreSQL runs but the pgvector extension is not installed (run eng/bootstrap.sh).");
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is not accepting connections yet.", ex);
        }
    }
}

/// <summary>Ready when Redis answers PING; the connection string is resolved at check time.</summary>
internal sealed class RedisReadyCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
        return await new RedisHealthCheck(connectionString!).CheckHealthAsync(context, cancellationToken);
    }
}
