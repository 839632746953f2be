using BioAiSaaS.AppHost;
using BioAiSaaS.AppHost.BackingServices;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL with pgvector and Redis: containers where a container runtime answers, host binaries where none does.
var (database, redis) = builder.AddBackingServices();

var migrations = builder.AddProject<Projects.BioAiSaaS_MigrationService>("migrations")
    .WithReference(database, BackingServicesExtensions.DatabaseName)
    .WaitFor(database);

// Not exposed externally: only the worker calls it (a NetworkPolicy enforces that in Kubernetes).
var sandbox = builder.AddProject<Projects.BioAiSaaS_SandboxHost>("sandbox")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .AnnounceWhenReady("sandbox (internal)");

builder.AddProject<Projects.BioAiSaaS_Api>("api")
    .WithHttpEndpoint()
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithReference(database, BackingServicesExtensions.DatabaseName)
    .WithReference(redis)
    .WaitForCompletion(migrations)
    .WaitFor(redis)
    .WithUrlForEndpoint("http", url => url.DisplayText = "API")
    .AnnounceWhenReady("API (reference at /scalar)");

builder.AddProject<Projects.BioAiSaaS_Worker>("worker")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReference(database, BackingServicesExtensions.DatabaseName)
    .WithReference(redis)
    .WithReference(sandbox)
    .WaitForCompletion(migrations)
    .WaitFor(redis)
    .WaitFor(sandbox);

builder.Build().Run();
