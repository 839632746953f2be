using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Worker.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace BioAiSaaS.Worker.Runs;

/// <summary>
/// Re-sends runs that PostgreSQL accepted but the queue never got (Redis was down at that instant, or the
/// Api died in between), and runs whose worker died after Redis lost their entry. PostgreSQL is the truth.
/// </summary>
public sealed class StrandedRunSweeper(
    IServiceScopeFactory scopes,
    IOptions<RunProcessingOptions> options,
    ILogger<StrandedRunSweeper> logger) : PeriodicJob(TimeProvider.System, logger)
{
    private const int BatchSize = 100;
    private readonly RunProcessingOptions _options = options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_options.SweepIntervalSeconds);

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        List<QueuedRun> stranded;
        // The look every few seconds is not worth a trace; re-sending a run (below) is.
        using (SuppressInstrumentationScope.Begin())
        {
            await using var scope = scopes.CreateAsyncScope();
            stranded = await scope.ServiceProvider.GetRequiredService<RunStore>().FindStrandedAsync(
                TimeSpan.FromSeconds(_options.DispatchGraceSeconds), _options.Lease, BatchSize, cancellationToken);
        }
        foreach (var run in stranded)
        {
            // Each run is sent as its owner, like every other touch of a tenant's row.
            await using var scope = scopes.CreateTenantScope(run.OwnerId);
            if (!await scope.ServiceProvider.GetRequiredService<RunDispatcher>().TryDispatchAsync(run, cancellationToken))
            {
                return; // Redis is still away; try the rest next time.
            }
        }
        if (stranded.Count > 0)
        {
            Logger.LogInformation("Re-sent {Count} stranded runs to the queue", stranded.Count);
        }
    }
}
