using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Worker.Billing;

/// <summary>
/// Closes billing periods. First rolls over every subscription whose period has ended (the same roll-over, and the
/// same journal keys, as <see cref="SubscriptionService"/>'s lazy one, so whichever runs first wins and nothing is
/// charged twice; the roll-over leaves a draft invoice for the period that ended). Then finalises draft invoices
/// with <see cref="InvoiceBuilder"/>, which locks each and skips it if final: safe to re-run and with several workers.
/// </summary>
public sealed class BillingCycle(IServiceScopeFactory scopes, IOptions<BillingCycleOptions> options, TimeProvider time,
    ILogger<BillingCycle> logger) : PeriodicJob(time, logger)
{
    private readonly BillingCycleOptions _options = options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_options.IntervalSeconds);

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => CloseAsync(Time.GetUtcNow(), cancellationToken);

    /// <summary>One round as of <paramref name="at"/>; returns how many invoices it finalised.</summary>
    public async Task<int> CloseAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        List<Guid> due;
        List<DraftInvoice> drafts;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            due = await db.Database.SqlQuery<Guid>(
                $"""SELECT user_id AS "Value" FROM billing_subscriptions_due({at}, {_options.BatchSize})""").ToListAsync(cancellationToken);
        }
        foreach (var user in due)
        {
            try
            {
                await using var scope = scopes.CreateTenantScope(user);
                await scope.ServiceProvider.GetRequiredService<SubscriptionService>().GetAsync(user, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One user's failure must not hold up everyone else's period close.
                Logger.LogWarning(ex, "Rolling over the subscription of user {UserId} failed; the next round retries", user);
            }
        }
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
            drafts = await db.Database.SqlQuery<DraftInvoice>(
                $"SELECT invoice_id, user_id FROM billing_draft_invoices({_options.BatchSize})").ToListAsync(cancellationToken);
        }
        var finalised = 0;
        foreach (var draft in drafts)
        {
            try
            {
                await using var scope = scopes.CreateTenantScope(draft.UserId);
                if (await scope.ServiceProvider.GetRequiredService<InvoiceBuilder>().FinaliseAsync(draft.UserId, draft.InvoiceId, cancellationToken))
                {
                    finalised++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Logger.LogWarning(ex, "Finalising invoice {InvoiceId} of user {UserId} failed; the next round retries", draft.InvoiceId, draft.UserId);
            }
        }
        if (finalised > 0)
        {
            Logger.LogInformation("Finalised {Count} invoices", finalised);
        }
        return finalised;
    }

    private sealed record DraftInvoice(long InvoiceId, Guid UserId);
}
