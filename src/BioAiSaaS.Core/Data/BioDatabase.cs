using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace BioAiSaaS.Core.Data;

/// <summary>How every service reaches the one database: Aspire's Npgsql integration (pooling, health check,
/// telemetry, retries) with pgvector and snake_case names.</summary>
public static class BioDatabase
{
    /// <summary>The Aspire resource (and connection-string) name of the application database.</summary>
    public const string ConnectionName = "bioaisaas";

    public static IHostApplicationBuilder AddBioDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<BioDbContext>(ConnectionName,
            configureDbContextOptions: options => Configure(options, connectionString: null));
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
