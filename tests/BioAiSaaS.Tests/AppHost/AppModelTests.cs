using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using BioAiSaaS.AppHost.BackingServices;

namespace BioAiSaaS.Tests.AppHost;

/// <summary>The application model the AppHost builds, inspected without starting anything.</summary>
public sealed class AppModelTests
{
    [Fact]
    public async Task Publishing_describes_PostgreSQL_with_pgvector_and_Redis_as_containers()
    {
        var output = Path.Combine(Path.GetTempPath(), $"manifest-{Guid.NewGuid():N}.json");
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            ["--publisher", "manifest", "--output-path", output, "--BackingServices:Mode=HostProcesses"],
            TestContext.Current.CancellationToken);

        Assert.True(builder.ExecutionContext.IsPublishMode);
        AssertContainers(builder);
    }

    [Fact]
    public async Task Containers_mode_uses_the_pgvector_and_redis_images()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            ["--BackingServices:Mode=Containers"], TestContext.Current.CancellationToken);

        AssertContainers(builder);
    }

    [Fact]
    public async Task Host_processes_mode_runs_PostgreSQL_and_Redis_as_executables_with_health_checks()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            ["--BackingServices:Mode=HostProcesses"], TestContext.Current.CancellationToken);

        var postgres = Assert.IsType<HostPostgresResource>(builder.Resources.Single(r => r.Name == "postgres"));
        var redis = Assert.IsType<HostRedisResource>(builder.Resources.Single(r => r.Name == "redis"));
        Assert.DoesNotContain(builder.Resources, r => r is ContainerResource);
        Assert.Contains(postgres.Annotations, a => a is HealthCheckAnnotation);
        Assert.Contains(redis.Annotations, a => a is HealthCheckAnnotation);
    }

    [Fact]
    public async Task Every_service_and_the_migration_runner_are_in_the_model()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            ["--BackingServices:Mode=HostProcesses"], TestContext.Current.CancellationToken);

        Assert.Equal(["api", "migrations", "sandbox", "worker"],
            builder.Resources.OfType<ProjectResource>().Select(p => p.Name).Order());
    }

    private static void AssertContainers(IDistributedApplicationTestingBuilder builder)
    {
        var postgres = Assert.IsType<PostgresServerResource>(builder.Resources.Single(r => r.Name == "postgres"));
        Assert.True(postgres.TryGetContainerImageName(out var postgresImage));
        Assert.Equal("docker.io/pgvector/pgvector:pg17", postgresImage);
        Assert.IsType<PostgresDatabaseResource>(builder.Resources.Single(r => r.Name == BackingServicesExtensions.DatabaseName));
        var redis = Assert.IsType<RedisResource>(builder.Resources.Single(r => r.Name == "redis"));
        Assert.True(redis.TryGetContainerImageName(out var redisImage));
        Assert.Contains("redis", redisImage, StringComparison.Ordinal);
        Assert.DoesNotContain(builder.Resources, r => r is HostPostgresResource or HostRedisResource);
    }
}
