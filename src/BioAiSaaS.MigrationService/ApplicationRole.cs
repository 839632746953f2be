using System.ComponentModel.DataAnnotations;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenTelemetry;

namespace BioAiSaaS.MigrationService;

/// <summary>The <c>Database:ApplicationRole</c> section: the password the AppHost generated for the services' login.</summary>
public sealed class ApplicationRoleOptions
{
    public const string Section = "Database:ApplicationRole";

    [Required, MinLength(16)]
    public string Password { get; set; } = "";
}

/// <summary>
/// Creates (or updates) the login the Api and Worker use. It owns no table, so PostgreSQL's row-level
/// security applies to it, and it may read and write rows but never change the schema.
/// </summary>
internal static class ApplicationRole
{
    public static async Task EnsureAsync(BioDbContext db, string password, CancellationToken cancellationToken)
    {
        var role = BioDatabase.ApplicationRole;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // A password cannot be a bind parameter in DDL: PostgreSQL quotes it (format %L) and we execute the
            // result, outside any trace so the statement never reaches the telemetry pipeline.
            using (SuppressInstrumentationScope.Begin())
            {
                await using var quote = new NpgsqlCommand("SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD %L', $1::text, $2::text)", connection)
                {
                    Parameters = { new() { Value = role }, new() { Value = password } },
                };
                await Execute(connection, $"""
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role}; END IF;
                    END $$;
                    """, cancellationToken);
                await Execute(connection, (string)(await quote.ExecuteScalarAsync(cancellationToken))!, cancellationToken);
            }
            await Execute(connection, $"""
                GRANT CONNECT ON DATABASE "{connection.Database}" TO {role};
                GRANT USAGE ON SCHEMA public TO {role};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
                GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role};
                REVOKE ALL ON "__EFMigrationsHistory" FROM {role};
                """, cancellationToken);
            // The journal and wallets move only through billing_post_entry; plans and rate cards only by migrations.
            await Execute(connection,
                $"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {string.Join(", ", BillingModel.ReadOnlyForApplication)} FROM {role};",
                cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
