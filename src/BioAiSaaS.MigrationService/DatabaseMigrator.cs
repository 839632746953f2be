using System.Diagnostics;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tools;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.MigrationService;

internal sealed class DatabaseMigrator(
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    IOptions<ApplicationRoleOptions> applicationRole,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Migrations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("Migrate database", ActivityKind.Client);
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            // The retrying execution strategy rides out a database that is still starting.
            await db.Database.CreateExecutionStrategy().ExecuteAsync(
                () => db.Database.MigrateAsync(stoppingToken));
            await db.Database.CreateExecutionStrategy().ExecuteAsync(
                () => ApplicationRole.EnsureAsync(db, applicationRole.Value.Password, stoppingToken));
            logger.LogInformation("Database is at migration {Migration}",
                (await db.Database.GetAppliedMigrationsAsync(stoppingToken)).LastOrDefault());
            // Every configured embedding model's index exists before any of its vectors is written.
            foreach (var index in await EmbeddingIndexes.EnsureAsync(db, scope.ServiceProvider.GetRequiredService<EmbeddingModels>(), stoppingToken))
            {
                logger.LogInformation("Created the vector index {Index} for a newly configured embedding model", index);
            }
            var seeder = scope.ServiceProvider.GetRequiredService<LibrarySeeder>();
            await seeder.SeedAsync(LibrarySeeder.DefaultDirectory, stoppingToken);
            await seeder.SeedToolsAsync(scope.ServiceProvider.GetRequiredService<ToolRegistry>(), stoppingToken);
            // After a model switch the library's passages get the new model's vectors here; the Worker does the projects'.
            await scope.ServiceProvider.GetRequiredService<EmbeddingBackfill>().RunAsync(BackfillScope.Library, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.AddException(ex);
            logger.LogCritical(ex, "Database migration failed");
            // A non-zero exit tells the AppHost not to start the services that wait for us.
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
