using BioAiSaaS.AppHost;
using BioAiSaaS.AppHost.BackingServices;
using BioAiSaaS.AppHost.Mail;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL with pgvector and Redis: containers where a container runtime answers, host binaries where none does.
var (database, redis) = builder.AddBackingServices();

// The migration runner connects as the owner and creates the services' login; the services get only
// that login, which owns no table, so PostgreSQL's row-level security applies to everything they do.
var applicationLogin = builder.AddApplicationDatabaseLogin(database);
var migrations = builder.AddProject<Projects.BioAiSaaS_MigrationService>("migrations")
    .WithReference(database, BackingServicesExtensions.DatabaseName)
    .WithEnvironment("Database__ApplicationRole__Password", applicationLogin.Password)
    // It seeds the built-in library, embedded with the same model as the Api and the Worker.
    .WithConfigurationSections("Embeddings", "Telemetry")
    .WaitFor(database);

// Mail: an external SMTP server when Smtp:Host is configured (tests, production), else smtp4dev with its web inbox.
var mail = builder.AddMailServer();

// Not exposed externally: only the worker calls it (a NetworkPolicy enforces that in Kubernetes).
var sandbox = builder.AddProject<Projects.BioAiSaaS_SandboxHost>("sandbox")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithConfigurationSections("Telemetry")
    .AnnounceWhenReady("sandbox (internal)");

builder.AddProject<Projects.BioAiSaaS_Api>("api")
    .WithHttpEndpoint()
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithApplicationDatabase(applicationLogin)
    .WithReference(redis)
    .WithMailServer(mail)
    // Accounts: WeChat app credentials (user-secrets), first admins, rate limits, token and lockout settings;
    // knowledge: commercial mode and the embedding model (an endpoint key from user-secrets).
    // Billing: payment providers' merchant settings (keys from user-secrets) and billing options.
    .WithConfigurationSections("WeChat", "Accounts", "RateLimits", "Tokens", "Identity", "Benchmarks", "Knowledge", "Embeddings", "Llm", "Agents",
        "Payments", "Billing", "Telemetry")
    .WaitForCompletion(migrations)
    .WaitFor(redis)
    .WithUrlForEndpoint("http", url => url.DisplayText = "API")
    .AnnounceWhenReady("API (reference at /scalar)");

builder.AddProject<Projects.BioAiSaaS_Worker>("worker")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithApplicationDatabase(applicationLogin)
    .WithReference(redis)
    .WithReference(sandbox)
    // The same embedding model as the Api, or queries and documents would not be comparable.
    // The reconciliation job queries and closes orders with the same merchant settings as the Api.
    .WithConfigurationSections("Embeddings", "Knowledge", "Llm", "Agents", "Payments", "Billing", "Telemetry", "RunProcessing")
    .WaitForCompletion(migrations)
    .WaitFor(redis)
    .WaitFor(sandbox);

builder.Build().Run();
