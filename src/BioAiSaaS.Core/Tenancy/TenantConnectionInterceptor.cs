using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace BioAiSaaS.Core.Tenancy;

/// <summary>
/// Tells PostgreSQL who the current user is each time the context opens a connection
/// (<c>app.user_id</c>, read by the row-level security policies). Set on every open, never only once,
/// because a pooled connection may have served another tenant; an unset tenant is the empty string,
/// which the policies treat as "nobody" and which therefore sees no tenant rows at all.
/// </summary>
public sealed class TenantConnectionInterceptor(CurrentTenant tenant) : DbConnectionInterceptor
{
    public const string Setting = "app.user_id";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = CreateCommand(connection);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var command = CreateCommand(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlCommand CreateCommand(DbConnection connection) =>
        new($"SELECT set_config('{Setting}', $1, false)", (NpgsqlConnection)connection)
        {
            Parameters = { new NpgsqlParameter { Value = tenant.UserId?.ToString() ?? "" } },
        };
}
