using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// Boots the real AppHost (host-process PostgreSQL with pgvector and Redis, migrations, Api, Worker,
/// SandboxHost) once for a test collection, on a fresh data folder that is deleted afterwards.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly string _dataDirectory = CreateDataDirectory();

    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;
    public HttpClient Sandbox { get; private set; } = null!;
    public string DatabaseConnectionString { get; private set; } = null!;
    public string RedisConnectionString { get; private set; } = null!;

    /// <summary>Lets a derived fixture change the model (worker replicas, lease length) before it starts.</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            ["--BackingServices:Mode=HostProcesses", $"--BackingServices:DataDirectory={_dataDirectory}"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            // Without a dashboard nothing receives telemetry, and the exporters' retries would hold every
            // service's shutdown for ~15 s (the migration runner's exit gates the api and worker).
            builder.CreateResourceBuilder(project)
                .WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }
        Configure(builder);

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in new[] { "postgres", "redis", "sandbox", "api" })
        {
            await WaitForHealthyAsync(resource, timeout.Token);
        }

        Api = App.CreateHttpClient("api");
        Sandbox = App.CreateHttpClient("sandbox");
        // Executions may run up to their own timeout; the default 100 s would cut long sandbox tests short.
        Sandbox.Timeout = TimeSpan.FromMinutes(3);
        DatabaseConnectionString = (await App.GetConnectionStringAsync("postgres", timeout.Token))!;
        RedisConnectionString = (await App.GetConnectionStringAsync("redis", timeout.Token))!;
    }

    /// <summary>Waits until the resource is healthy, failing at once (not at the timeout) if it stops or never starts.</summary>
    private async Task WaitForHealthyAsync(string resource, CancellationToken cancellationToken)
    {
        string[] dead = [KnownResourceStates.FailedToStart, KnownResourceStates.Exited, KnownResourceStates.Finished];
        var resourceEvent = await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.HealthStatus == HealthStatus.Healthy || dead.Contains(e.Snapshot.State?.Text),
            cancellationToken);
        if (resourceEvent.Snapshot.HealthStatus != HealthStatus.Healthy)
        {
            throw new InvalidOperationException(
                $"Resource '{resource}' is {resourceEvent.Snapshot.State?.Text} instead of healthy; its log is in the test output.");
        }
    }

    private static string CreateDataDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("bioaisaas-test-");
        // PostgreSQL runs as the postgres user, which must be able to enter its data folder's parent.
        directory.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.GroupExecute;
        return directory.FullName;
    }

    public BioDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<BioDbContext>();
        // Retries like the services' contexts do, so a test outlives a database restart it caused.
        BioDatabase.Configure(options, DatabaseConnectionString, npgsql => npgsql.EnableRetryOnFailure());
        return new BioDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        Sandbox?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing on its way down; the temp folder is cleaned by the OS eventually.
        }
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
