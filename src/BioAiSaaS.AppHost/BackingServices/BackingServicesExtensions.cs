using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BioAiSaaS.AppHost.BackingServices;

public static class BackingServicesExtensions
{
    /// <summary>Connection names the services read (Core's BioDatabase and RunQueue use the same).</summary>
    public const string DatabaseName = "bioaisaas";
    public const string RedisName = "redis";

    /// <summary>
    /// Adds PostgreSQL (with pgvector, and the application database) and Redis, choosing once between
    /// container resources and host processes so the orchestrator never starts both (aspire#14294).
    /// Publishing always describes containers: deployment targets take no executables.
    /// </summary>
    public static (IResourceBuilder<IResourceWithConnectionString> Database, IResourceBuilder<IResourceWithConnectionString> Redis)
        AddBackingServices(this IDistributedApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(BackingServicesOptions.Section).Get<BackingServicesOptions>()
                      ?? new BackingServicesOptions();
        var useContainers = options.Mode switch
        {
            BackingServicesMode.Containers => true,
            BackingServicesMode.HostProcesses => builder.ExecutionContext.IsPublishMode,
            _ => builder.ExecutionContext.IsPublishMode || ContainerRuntime.IsAvailable(builder.Configuration),
        };
        return useContainers ? AddContainers(builder) : AddHostProcesses(builder, options);
    }

    private static (IResourceBuilder<IResourceWithConnectionString>, IResourceBuilder<IResourceWithConnectionString>)
        AddContainers(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres")
            .WithImage("pgvector/pgvector", "pg17")
            .WithDataVolume();
        var database = postgres.AddDatabase(DatabaseName);
        var redis = builder.AddRedis(RedisName).WithDataVolume();
        return (database, redis);
    }

    private static (IResourceBuilder<IResourceWithConnectionString>, IResourceBuilder<IResourceWithConnectionString>)
        AddHostProcesses(IDistributedApplicationBuilder builder, BackingServicesOptions options)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory
            ?? Path.Combine(builder.AppHostDirectory, "..", "..", ".data"));
        var scripts = Path.Combine(builder.AppHostDirectory, "BackingServices");

        var postgres = builder.AddHostService(
            new HostPostgresResource("postgres", scripts, Password(builder, "postgres-password"), DatabaseName),
            dataDirectory, resource => new PostgresReadyCheck(resource));
        var redis = builder.AddHostService(
            new HostRedisResource(RedisName, scripts, Password(builder, "redis-password")),
            dataDirectory, resource => new RedisReadyCheck(resource));

        return (postgres, redis);
    }

    private static ParameterResource Password(IDistributedApplicationBuilder builder, string name) =>
        ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, name, special: false);

    private static IResourceBuilder<T> AddHostService<T>(this IDistributedApplicationBuilder builder, T service,
        string dataDirectory, Func<T, IHealthCheck> readyCheck) where T : HostServiceResource =>
        builder.AddResource(service)
            .WithEndpoint(HostServiceResource.EndpointName, e => e.UriScheme = "tcp")
            .WithArgs(context =>
            {
                context.Args.Add(Path.Combine(service.WorkingDirectory, service.Script));
                context.Args.Add(Path.Combine(dataDirectory, service.Name));
                context.Args.Add(service.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithEnvironment(service.PasswordVariable, service.Password)
            .WithReadyCheck(readyCheck);

    private static IResourceBuilder<T> WithReadyCheck<T>(this IResourceBuilder<T> resource, Func<T, IHealthCheck> check)
        where T : IResourceWithConnectionString
    {
        var key = $"{resource.Resource.Name}_ready";
        resource.ApplicationBuilder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(key, _ => check(resource.Resource), failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }
}
