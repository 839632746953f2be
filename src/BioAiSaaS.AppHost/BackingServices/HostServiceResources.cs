namespace BioAiSaaS.AppHost.BackingServices;

/// <summary>
/// A backing service run from the host's own binary through one of the scripts beside this file
/// (<c>SCRIPT DATA_DIR PORT</c>, password in the environment). Gives dependants a connection string exactly
/// like Aspire's container resources do.
/// </summary>
public abstract class HostServiceResource(string name, string scriptsDirectory, ParameterResource password)
    : ExecutableResource(name, "bash", scriptsDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);
    public ParameterResource Password { get; } = password;

    /// <summary>The script (beside this file) that prepares the data folder and execs the server.</summary>
    public abstract string Script { get; }
    /// <summary>The environment variable the script reads the password from.</summary>
    public abstract string PasswordVariable { get; }

    public abstract ReferenceExpression ConnectionStringExpression { get; }

    protected ReferenceExpression Host => ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}");
    protected ReferenceExpression Port => ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>PostgreSQL (with pgvector); its connection string names the application database.</summary>
public sealed class HostPostgresResource(string name, string scriptsDirectory, ParameterResource password, string databaseName)
    : HostServiceResource(name, scriptsDirectory, password)
{
    public const string UserName = "postgres";

    public string DatabaseName { get; } = databaseName;
    public override string Script => "postgres.sh";
    public override string PasswordVariable => "POSTGRES_PASSWORD";

    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Host};Port={Port};Username={UserName};Password={Password};Database={DatabaseName}");
}

/// <summary>Redis, with append-only persistence.</summary>
public sealed class HostRedisResource(string name, string scriptsDirectory, ParameterResource password)
    : HostServiceResource(name, scriptsDirectory, password)
{
    public override string Script => "redis.sh";
    public override string PasswordVariable => "REDIS_PASSWORD";

    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Host}:{Port},password={Password}");
}
