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
    /// A login for <paramref name="database"/> that owns no table: the owner's connection string with the
    /// user and password replaced (later keys win in a connection string), so it works the same for the
    /// host-process and the container database.
    /// </summary>
    public static ApplicationDatabaseLogin AddApplicationDatabaseLogin(this IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> database)
    {
        // In the model (not only referenced) so the dashboard lists it and tests can build the same login.
        var password = builder.AddResource(
            ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, ApplicationDatabaseLogin.PasswordParameter, special: false)).Resource;
        return new ApplicationDatabaseLogin(password, ReferenceExpression.Create(
            $"{database.Resource.ConnectionStringExpression};Username={ApplicationDatabaseLogin.Role};Password={password}"));
    }

    public static IResourceBuilder<T> WithApplicationDatabase<T>(this IResourceBuilder<T> service, ApplicationDatabaseLogin login)
        where T : IResourceWithEnvironment =>
        service.WithEnvironment($"ConnectionStrings__{ApplicationDatabaseLogin.ConnectionName}", login.ConnectionString);
}
