using System.Diagnostics;
using BioAiSaaS.Core.Data;
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
            await scope.ServiceProvider.GetRequiredService<LibrarySeeder>().SeedAsync(LibrarySeeder.DefaultDirectory, stoppingToken);
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
