namespace BioAiSaaS.AppHost.BackingServices;

/// <summary>The services' own database login: its generated password and the connection string built from it.</summary>
public sealed record ApplicationDatabaseLogin(ParameterResource Password, ReferenceExpression ConnectionString)
{
    /// <summary>The role the migration runner creates (BioDatabase.ApplicationRole in Core).</summary>
    public const string Role = "bioaisaas_app";
    /// <summary>The connection name the services read (BioDatabase.ConnectionName in Core).</summary>
    public const string ConnectionName = "bioaisaas-app";
    public const string PasswordParameter = "app-db-password";
}

public static class ApplicationDatabaseLoginExtensions
{
    /// <summary>
    /// A login for <paramref name="database"/> that owns no table. Its connection string is built from the
    /// server's endpoint and the database name only, so the owner's credentials never reach the services.
    /// </summary>
    public static ApplicationDatabaseLogin AddApplicationDatabaseLogin(this IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> database)
    {
        // In the model (not only referenced) so the dashboard lists it and tests can build the same login.
        var password = builder.AddResource(
            ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, ApplicationDatabaseLogin.PasswordParameter, special: false)).Resource;
        var (endpoint, name) = database.Resource switch
        {
            HostPostgresResource host => (host.PrimaryEndpoint, host.DatabaseName),
            PostgresDatabaseResource container => (container.Parent.PrimaryEndpoint, container.DatabaseName),
            var other => throw new InvalidOperationException($"No application login for a database of type {other.GetType().Name}."),
        };
        return new ApplicationDatabaseLogin(password, ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username={ApplicationDatabaseLogin.Role};Password={password};Database={name}"));
    }

    public static IResourceBuilder<T> WithApplicationDatabase<T>(this IResourceBuilder<T> service, ApplicationDatabaseLogin login)
        where T : IResourceWithEnvironment =>
        service.WithEnvironment($"ConnectionStrings__{ApplicationDatabaseLogin.ConnectionName}", login.ConnectionString);
}
