using System.Net;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// Metering into money and billing periods into invoices, against the real stack: the Worker's jobs run every second,
/// and the tests also run the same components themselves, concurrently, to show that nothing is billed twice.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BillingCycleTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_beyond_the_free_allowance_is_charged_once_at_the_rate_card_price_even_when_ingested_concurrently()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "usage");
        var run = Guid.NewGuid();
        // Free: 200,000 tokens and 60 sandbox minutes. 150k in + 100k out → 50k output over (750 fen); the first 30k
        // cached were free, so no discount; then 100k input over (1,500 fen) of which 40k cached (−450 fen);
        // 3,700 s of sandbox → 100 s over (16.67 fen); cache hits are never billed. Total 1,816.67 → 1,817 fen.
        await RecordAsync(user.Id, run, (UsageKinds.LlmInputTokens, 150_000m), (UsageKinds.LlmCachedTokens, 30_000m),
            (UsageKinds.LlmOutputTokens, 100_000m), (UsageKinds.LlmInputTokens, 100_000m), (UsageKinds.LlmCachedTokens, 40_000m),
            (UsageKinds.SandboxSeconds, 3_700m), (UsageKinds.LlmCacheHitTokens, 1_000_000m));

        await Task.WhenAll(IngestAsync(user.Id), IngestAsync(user.Id), IngestAsync(user.Id));
        await IngestAsync(user.Id);

        await using var db = await stack.CreateTenantDbContextAsync(user.Id);
        // The Worker's job may hold a batch it claimed while ours ran: wait for it to commit.
        await BillingSteps.EventuallyAsync(async () => await db.UsageEvents.CountAsync(u => u.OwnerId == user.Id && u.BilledAt == null, Ct) == 0,
            "every event is billed");
        var wallet = await api.WalletAsync();
        Assert.True(wallet.BalanceFen == -1_817, string.Join("\n", wallet.Movements.Select(m => $"{m.Kind} {m.AmountFen} {m.Memo}")));
        Assert.Equal(1_817, await UsageChargedAsync(db, user.Id));
        Assert.Equal(-1_817, await new Ledger(db).BalanceAsync(user.Id, Ct));
    }

    [Fact]
    public async Task Many_tiny_overage_events_are_charged_the_price_of_their_sum_without_rounding_drift()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "drift");
        var run = Guid.NewGuid();
        await RecordAsync(user.Id, run, (UsageKinds.LlmInputTokens, 200_000m));
        // 1,000 events of 7 output tokens: 0.105 fen each (0 if each were rounded alone); 7,000 tokens cost 105 fen.
        await using (var db = await stack.CreateTenantDbContextAsync(user.Id))
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO usage_events (key, owner_id, run_id, kind, quantity, model, rate_card, created_at)
                SELECT 'drift:' || {run}::text || ':' || g, {user.Id}, {run}, {UsageKinds.LlmOutputTokens}, 7, 'm', 'standard', now()
                  FROM generate_series(1, 1000) g
                """, Ct);
        }
        await Task.WhenAll(IngestAsync(user.Id, batchSize: 37), IngestAsync(user.Id, batchSize: 50));

        // The Worker's job may still be committing a batch it claimed while ours skipped it.
        await BillingSteps.EventuallyAsync(async () => (await api.WalletAsync()).BalanceFen == -105, "1,000 events cost 105 fen");
    }

    [Fact]
    public async Task Closing_a_period_makes_one_final_numbered_invoice_whose_totals_equal_the_journal_and_late_usage_goes_to_the_next_period()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "invoice");
        await BillingSteps.FundAsync(stack, user.Id, 5_000);
        await api.WalletAsync();
        var run = Guid.NewGuid();
        // As if a month had gone by: the period ended an hour ago, and 250k output tokens of a model with a
        // hostile name were used in it (50k over the Free allowance: 750 fen).
        await using (var owner = stack.CreateDbContext())
        {
            var end = DateTimeOffset.UtcNow.AddHours(-1);
            await owner.Database.ExecuteSqlAsync($"""
                UPDATE subscriptions SET current_period_start = {end.AddMonths(-1)}, current_period_end = {end} WHERE user_id = {user.Id};
                INSERT INTO usage_events (key, owner_id, run_id, kind, quantity, model, rate_card, created_at)
                VALUES ({"inv:" + run}, {user.Id}, {run}, {UsageKinds.LlmOutputTokens}, 250000, '<b>m</b>', 'standard', {end.AddHours(-1)});
                """, Ct);
        }

        InvoiceResponse? invoice = null;
        await BillingSteps.EventuallyAsync(async () =>
        {
            invoice = (await (await api.GetAsync("/api/billing/invoices", Ct)).ReadAsync<List<InvoiceResponse>>()).SingleOrDefault();
            return invoice is not null;
        }, "the billing cycle job finalises the invoice");

        Assert.Matches("^INV-[0-9]{6}-[0-9]{6,}$", invoice!.Number);
        Assert.Equal(InvoiceStatuses.Final, invoice.Status);
        Assert.Equal(750, invoice.ChargesFen);
        Assert.Equal(5_000, invoice.PaymentsFen);
        Assert.Contains(invoice.Lines, l => l.Section == InvoiceSections.Charges && l.Description == "Overage: <b>m</b> tokens" && l.AmountFen == 750);
        await using var db = await stack.CreateTenantDbContextAsync(user.Id);
        // Invoice totals equal the journal: the wallet lines of every entry the invoice took.
        var invoiced = await db.Database.SqlQuery<long>($"""
            SELECT coalesce(sum(l.amount_fen), 0)::bigint AS "Value" FROM invoice_entries ie
              JOIN invoices i ON i.id = ie.invoice_id JOIN journal_lines l ON l.entry_id = ie.entry_id AND l.account = {LedgerAccounts.Wallet(user.Id)}
             WHERE i.number = {invoice.Number}
            """).SingleAsync(Ct);
        Assert.Equal(invoice.ChargesFen - invoice.PaymentsFen, invoiced);

        // Closing again (another worker, a re-run) changes nothing.
        var stored = await db.Set<Invoice>().AsNoTracking().SingleAsync(i => i.Number == invoice.Number, Ct);
        Assert.False(await Builder(db).FinaliseAsync(user.Id, stored.Id, Ct));
        Assert.Single(await (await api.GetAsync("/api/billing/invoices", Ct)).ReadAsync<List<InvoiceResponse>>());

        // A late event from the closed period is billed in the next, open one.
        await using (var owner = stack.CreateDbContext())
        {
            await owner.Database.ExecuteSqlAsync($"""
                INSERT INTO usage_events (key, owner_id, run_id, kind, quantity, model, rate_card, created_at)
                VALUES ({"late:" + run}, {user.Id}, {run}, {UsageKinds.LlmOutputTokens}, 1000, 'm', 'standard', {stored.PeriodEnd.AddHours(-2)})
                """, Ct);
        }
        await IngestAsync(user.Id);
        var late = await db.UsageEvents.AsNoTracking().Where(u => u.RunId == run).OrderByDescending(u => u.Id).FirstAsync(Ct);
        Assert.Equal(stored.PeriodEnd, late.BillingPeriodStart);
        Assert.Equal(750, (await (await api.GetAsync($"/api/billing/invoices/{invoice.Number}", Ct)).ReadAsync<InvoiceResponse>()).ChargesFen);
    }

    [Fact]
    public async Task A_final_invoice_cannot_be_changed_and_its_page_is_escaped_and_in_yuan()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "final");
        await BillingSteps.FundAsync(stack, user.Id, 12_345);
        // Reading the wallet creates the subscription (on Free) whose period the test then ages.
        await api.WalletAsync();
        await using (var owner = stack.CreateDbContext())
        {
            var end = DateTimeOffset.UtcNow.AddHours(-1);
            await owner.Database.ExecuteSqlAsync($"""
                UPDATE subscriptions SET current_period_start = {end.AddMonths(-1)}, current_period_end = {end} WHERE user_id = {user.Id};
                INSERT INTO usage_events (key, owner_id, run_id, kind, quantity, model, rate_card, created_at)
                VALUES ({"final:" + user.Id}, {user.Id}, {Guid.NewGuid()}, {UsageKinds.LlmOutputTokens}, 300000, '<script>x</script>', 'standard', {end.AddHours(-1)});
                """, Ct);
        }
        InvoiceResponse? invoice = null;
        await BillingSteps.EventuallyAsync(async () =>
        {
            invoice = (await (await api.GetAsync("/api/billing/invoices", Ct)).ReadAsync<List<InvoiceResponse>>()).SingleOrDefault();
            return invoice is not null;
        }, "the invoice is final");

        var page = await (await api.GetAsync($"/api/billing/invoices/{invoice!.Number}.html", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.Contains("15.00", page, StringComparison.Ordinal);
        Assert.Contains("123.45", page, StringComparison.Ordinal);

        await using var db = stack.CreateDbContext();
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Database.ExecuteSqlAsync($"UPDATE invoices SET charges_fen = 0 WHERE number = {invoice.Number}", Ct));
        Assert.Contains("final", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_or_unknown_invoice_numbers_are_problems_not_errors()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "badinv");
        await (await api.GetAsync("/api/billing/invoices/not-a-number", Ct)).AssertValidationProblemAsync("number");
        await (await api.GetAsync("/api/billing/invoices/INV-209901-999999", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await stack.AnonymousApi.GetAsync("/api/billing/invoices", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task RecordAsync(Guid userId, Guid run, params (string Kind, decimal Quantity)[] usage)
    {
        await using var db = await stack.CreateTenantDbContextAsync(userId);
        var recorder = new UsageRecorder(db);
        var n = 0;
        foreach (var (kind, quantity) in usage)
        {
            Assert.True(await recorder.RecordAsync(new UsageEvent
            {
                Key = $"test:{run}:{++n}:{Guid.NewGuid():N}", OwnerId = userId, RunId = run, Kind = kind, Quantity = quantity,
                Model = kind == UsageKinds.SandboxSeconds ? null : "m", RateCard = RateCardNames.Standard,
            }, Ct));
        }
    }

    private Task IngestAsync(Guid userId, int batchSize = 3) => BillingSteps.IngestUsageAsync(stack, userId, batchSize);

    private static UsageIngestor Ingestor(BioDbContext db) => BillingSteps.Ingestor(db);

    private static InvoiceBuilder Builder(BioDbContext db) => new(db, Ingestor(db));

    private static async Task<long> UsageChargedAsync(BioDbContext db, Guid userId) =>
        await db.Database.SqlQuery<long>($"""
            SELECT coalesce(sum(l.amount_fen), 0)::bigint AS "Value" FROM journal_entries e
              JOIN journal_lines l ON l.entry_id = e.id AND l.account = {LedgerAccounts.Wallet(userId)}
             WHERE e.user_id = {userId} AND e.kind = 'usage'
            """).SingleAsync(Ct);
}
