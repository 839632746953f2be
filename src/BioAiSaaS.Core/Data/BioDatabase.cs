using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace BioAiSaaS.Core.Data;

/// <summary>How every service reaches the one database: Aspire's Npgsql integration (pooling, health check,
/// telemetry, retries) with pgvector and snake_case names.</summary>
public static class BioDatabase
{
    /// <summary>The Aspire resource (and connection-string) name of the application database.</summary>
    public const string ConnectionName = "bioaisaas";

    /// <summary>Registers <see cref="BioDbContext"/>. Request paths pass <paramref name="failFast"/> so a missing
    /// database costs a client seconds, not Npgsql's 15-second connect timeout times a long retry policy.</summary>
    public static IHostApplicationBuilder AddBioDatabase(this IHostApplicationBuilder builder, bool failFast = false)
    {
        builder.AddNpgsqlDbContext<BioDbContext>(ConnectionName,
            configureSettings: settings =>
            {
                if (failFast && settings.ConnectionString is { } connectionString)
                {
                    settings.ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3 }.ConnectionString;
                }
            },
            configureDbContextOptions: options => Configure(options, connectionString: null,
                failFast ? npgsql => npgsql.EnableRetryOnFailure(2, TimeSpan.FromSeconds(1), errorCodesToAdd: null) : null));
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
