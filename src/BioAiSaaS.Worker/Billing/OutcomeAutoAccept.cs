using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Worker.Hosting;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Billing;

/// <summary>
/// Accepts outcome-priced runs' outcomes once their reject window has passed, so an unanswered outcome does not stay
/// open for ever. Each round is one statement over every user (<see cref="OutcomeCharges.AutoAcceptAsync"/>), safe
/// to repeat and to run on several workers at once: an accepted row no longer matches, a locked one is skipped.
/// </summary>
public sealed class OutcomeAutoAccept(
    IServiceScopeFactory scopes,
    IOptions<RunBillingOptions> options,
    TimeProvider time,
    ILogger<OutcomeAutoAccept> logger) : PeriodicJob(time, logger)
{
    private readonly RunBillingOptions _options = options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_options.AutoAcceptIntervalSeconds);

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => AcceptDueAsync(cancellationToken);

    /// <summary>One round: accepts due outcomes, batch after batch, until none is left; returns how many.</summary>
    public async Task<int> AcceptDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outcomes = new OutcomeCharges(scope.ServiceProvider.GetRequiredService<BioDbContext>());
        var total = 0;
        int accepted;
        do
        {
            accepted = await outcomes.AutoAcceptAsync(Time.GetUtcNow(), _options.AutoAcceptBatchSize, cancellationToken);
            total += accepted;
        }
        while (accepted == _options.AutoAcceptBatchSize);
        if (total > 0)
        {
            Logger.LogInformation("Auto-accepted {Count} outcomes whose reject window had passed", total);
        }
        return total;
    }
}
