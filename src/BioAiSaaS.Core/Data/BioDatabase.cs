using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace BioAiSaaS.Core.Data;

/// <summary>How every service reaches the one database: EF Core with pgvector and snake_case names, enriched
/// by Aspire's Npgsql integration (health check, telemetry), with row-level security told who the user is.</summary>
public static class BioDatabase
{
    /// <summary>The database as its owner: only the migration runner connects like this.</summary>
    public const string OwnerConnectionName = "bioaisaas";

    /// <summary>The database as <see cref="ApplicationRole"/>, which owns no table, so row-level security applies.</summary>
    public const string ConnectionName = "bioaisaas-app";

    /// <summary>The login the Api and Worker use; the migration runner creates it and grants it table access.</summary>
    public const string ApplicationRole = "bioaisaas_app";

    /// <summary>Registers <see cref="BioDbContext"/> with a scoped <see cref="CurrentTenant"/>. Request paths pass
    /// <paramref name="failFast"/> so a missing database costs a client seconds, not Npgsql's 15-second connect
    /// timeout times a long retry policy.</summary>
    public static IHostApplicationBuilder AddBioDatabase(this IHostApplicationBuilder builder,
        string connectionName = ConnectionName, bool failFast = false)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"The connection string '{connectionName}' is not configured.");
        if (failFast)
        {
            connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3 }.ConnectionString;
        }

        builder.Services.AddScoped<CurrentTenant>();
        builder.Services.AddScoped<TenantConnectionInterceptor>();
        // Not pooled: each context needs its scope's tenant (a pooled context would outlive the scope).
        builder.Services.AddDbContext<BioDbContext>((services, options) =>
        {
            Configure(options, connectionString, failFast
                ? npgsql => npgsql.EnableRetryOnFailure(2, TimeSpan.FromSeconds(1), errorCodesToAdd: null)
                : npgsql => npgsql.EnableRetryOnFailure());
            options.AddInterceptors(services.GetRequiredService<TenantConnectionInterceptor>());
        });
        // Health check, traces and metrics from Aspire; retries are ours (above).
        builder.EnrichNpgsqlDbContext<BioDbContext>(settings => settings.DisableRetry = true);
        return builder;
    }

    /// <summary>The provider setup every context shares; public for tools and tests that build their own context.</summary>
    public static void Configure(DbContextOptionsBuilder options, string? connectionString,
        Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions = null)
    {
        void Npgsql(NpgsqlDbContextOptionsBuilder npgsql)
        {
            npgsql.UseVector();
            npgsqlOptions?.Invoke(npgsql);
        }

        if (connectionString is null)
        {
            options.UseNpgsql(Npgsql);
        }
        else
        {
            options.UseNpgsql(connectionString, Npgsql);
        }
        options.UseSnakeCaseNamingConvention();
    }
}
