using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Billing;

/// <summary>
/// Bills metered usage: finds users with unbilled usage events (a SECURITY DEFINER function, since usage is
/// owner-only) and, acting as each, runs <see cref="UsageIngestor"/> until their events are billed. Exactly once by
/// construction: an event is marked billed in the transaction that posts its charge; batches of one user are taken
/// one at a time, in event order (a per-user advisory lock), so the charge does not depend on which worker ran.
/// </summary>
public sealed class UsageIngestion(IServiceScopeFactory scopes, IOptions<UsageIngestionOptions> options, TimeProvider time,
    ILogger<UsageIngestion> logger) : PeriodicJob(time, logger)
{
    private readonly UsageIngestionOptions _options = options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_options.IntervalSeconds);

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => IngestAsync(cancellationToken);

    /// <summary>One round; returns how many events were billed.</summary>
    public async Task<int> IngestAsync(CancellationToken cancellationToken)
    {
        List<Guid> users;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            users = await db.Database.SqlQuery<Guid>(
                $"""SELECT user_id AS "Value" FROM billing_users_with_unbilled_usage({_options.UsersPerRound})""").ToListAsync(cancellationToken);
        }
        var billed = 0;
        foreach (var user in users)
        {
            try
            {
                await using var scope = scopes.CreateTenantScope(user);
                billed += await scope.ServiceProvider.GetRequiredService<UsageIngestor>().IngestAllAsync(user, _options.BatchSize, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One user's failure must not stop everyone else's billing: their events stay unbilled and are retried.
                Logger.LogWarning(ex, "Billing the usage of user {UserId} failed; the next round retries", user);
            }
        }
        return billed;
    }
}
