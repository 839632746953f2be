namespace BioAiSaaS.AppHost.BackingServices;

public enum BackingServicesMode
{
    /// <summary>Containers when publishing or when a container runtime answers; host binaries otherwise.</summary>
    Auto,
    /// <summary>Aspire's container resources: the pgvector/pgvector and redis images.</summary>
    Containers,
    /// <summary>The machine's own PostgreSQL (with pgvector) and Redis binaries, run as Aspire executables.</summary>
    HostProcesses,
}

/// <summary>The <c>BackingServices</c> configuration section of the AppHost.</summary>
public sealed class BackingServicesOptions
{
    public const string Section = "BackingServices";

    public BackingServicesMode Mode { get; set; } = BackingServicesMode.Auto;

    /// <summary>
    /// Where host-process PostgreSQL and Redis keep their data. Defaults to <c>.data/</c> at the repository root,
    /// kept between runs; the tests point it at a fresh folder.
    /// </summary>
    public string? DataDirectory { get; set; }
}
