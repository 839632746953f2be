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

    [Theory]
    [InlineData("HostProcesses")]
    [InlineData("Containers")]
    public async Task Only_the_migration_runner_is_given_the_database_owners_password(string mode)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            [$"--BackingServices:Mode={mode}"], TestContext.Current.CancellationToken);
        var ownerPassword = builder.Resources.Single(r => r.Name == "postgres") switch
        {
            HostPostgresResource host => host.Password,
            PostgresServerResource container => container.PasswordParameter,
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
        var appPassword = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == ApplicationDatabaseLogin.PasswordParameter);

        var migrations = await EnvironmentAsync(builder, "migrations");
        var api = await EnvironmentAsync(builder, "api");
        var worker = await EnvironmentAsync(builder, "worker");

        Assert.True(Mentions(migrations, ownerPassword));
        Assert.False(Mentions(api, ownerPassword));
        Assert.False(Mentions(worker, ownerPassword));
        Assert.True(Mentions(api, appPassword));
        Assert.True(appPassword.Secret);
    }

    /// <summary>The environment a service would get, unevaluated (expressions stay expressions).</summary>
    private static async Task<Dictionary<string, object>> EnvironmentAsync(IDistributedApplicationTestingBuilder builder, string service)
    {
        var resource = builder.Resources.Single(r => r.Name == service);
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, resource, [], TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        return context.EnvironmentVariables;
    }

    private static bool Mentions(Dictionary<string, object> environment, ParameterResource parameter) =>
        environment.Values.Any(value => Mentions(value, parameter, depth: 0));

    private static bool Mentions(object? value, ParameterResource parameter, int depth) => depth < 10 && value switch
    {
        ParameterResource p => p == parameter,
        EndpointReference or EndpointReferenceExpression => false, // an address: no credentials in it
        ReferenceExpression e => e.ValueProviders.Any(v => Mentions(v, parameter, depth + 1)),
        IResourceWithConnectionString r => Mentions(r.ConnectionStringExpression, parameter, depth + 1),
        ConnectionStringReference c => Mentions(c.Resource.ConnectionStringExpression, parameter, depth + 1),
        IValueWithReferences v => v.References.Any(r => Mentions(r, parameter, depth + 1)),
        _ => false,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Mail_goes_to_smtp4dev_unless_an_SMTP_host_is_configured(bool smtpConfigured)
    {
        string[] args = smtpConfigured
            ? ["--BackingServices:Mode=HostProcesses", "--Smtp:Host=relay.example.org"]
            : ["--BackingServices:Mode=HostProcesses"];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            args, TestContext.Current.CancellationToken);

        var mail = builder.Resources.SingleOrDefault(r => r.Name == "mail");
        if (smtpConfigured)
        {
            Assert.Null(mail);
        }
        else
        {
            Assert.IsType<ExecutableResource>(mail);
            Assert.Contains(mail.Annotations, a => a is HealthCheckAnnotation);
        }
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
