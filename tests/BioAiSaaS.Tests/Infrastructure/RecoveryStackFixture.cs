using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// A second, separate stack for tests that kill processes: three worker replicas and short leases, so a
/// dead worker's run is reclaimed within seconds. Kept apart so its casualties never touch other tests.
/// </summary>
public sealed class RecoveryStackFixture : StackFixture
{
    public const int LeaseSeconds = 3;

    /// <summary>This stack also serves the tests of what happens without a language model.</summary>
    protected override bool WithLanguageModel => false;

    protected override void Configure(IDistributedApplicationTestingBuilder builder)
    {
        var worker = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "worker");
        builder.CreateResourceBuilder(worker)
            // Three: the tests that SIGKILL a worker (one each) must always leave another to take over.
            .WithReplicas(3)
            .WithEnvironment("RunProcessing__LeaseSeconds", LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("RunProcessing__PollIntervalMilliseconds", "200")
            .WithEnvironment("RunProcessing__SweepIntervalSeconds", "1")
            .WithEnvironment("RunProcessing__DispatchGraceSeconds", "1");
    }
}

[CollectionDefinition(Name)]
public sealed class RecoveryCollection : ICollectionFixture<RecoveryStackFixture>
{
    public const string Name = "recovery";
}
