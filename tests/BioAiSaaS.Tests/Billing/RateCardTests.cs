using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Rate cards are versioned by effective date, and a usage charge records the version that priced it.</summary>
[Collection(StackCollection.Name)]
public sealed class RateCardTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_version_in_effect_at_a_moment_prices_it()
    {
        // A card of its own (published as a migration would, by the owner), so the standard card stays untouched.
        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        var id = Random.Shared.Next(1_000, int.MaxValue - 2);
        var switchOver = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var owner = stack.CreateDbContext())
        {
            await owner.Database.ExecuteSqlAsync($"""
                INSERT INTO rate_cards (id, name, version, effective_from) VALUES ({id}, {name}, 1, '2026-01-01Z'), ({id + 1}, {name}, 2, {switchOver});
                INSERT INTO rate_card_prices (rate_card_id, model, input_fen_per_million, cached_input_fen_per_million, output_fen_per_million, sandbox_fen_per_minute)
                VALUES ({id}, '*', 15000, 3750, 15000, 10), ({id + 1}, '*', 12000, 3000, 12000, 8), ({id + 1}, 'big-model', 60000, 15000, 60000, 8);
                """, Ct);
        }
        await using var db = await stack.CreateTenantDbContextAsync(Guid.NewGuid());
        var catalog = new RateCardCatalog(db);

        var now = await catalog.CurrentAsync(name, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), Ct);
        var later = await catalog.CurrentAsync(name, switchOver, Ct);

        Assert.Equal(1, now!.Version);
        Assert.Equal(2, later!.Version);
        Assert.Equal(12_000, later.PricesFor("small-model").OutputFenPerMillion); // the default row
        Assert.Equal(60_000, later.PricesFor("big-model").OutputFenPerMillion);
        Assert.Null(await catalog.CurrentAsync(name, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), Ct));
    }

    [Fact]
    public async Task A_usage_charge_records_the_rate_card_version_that_priced_it()
    {
        var user = Guid.NewGuid();
        await BillingSteps.FundAsync(stack, user, 1_000);
        await using var db = await stack.CreateTenantDbContextAsync(user);
        var card = (await new RateCardCatalog(db).CurrentAsync(RateCardNames.Standard, DateTimeOffset.UtcNow, Ct))!;
        var charge = Pricing.Charge(new UsageQuantities(InputTokens: 2_000, OutputTokens: 1_000), card.PricesFor("any-model"));
        var run = Guid.NewGuid();

        var posted = await new Ledger(db).PostAsync(Posting.Usage($"usage:{run}:call-1", user, run, card, charge, "2,000 in, 1,000 out"), Ct);

        var entry = await db.JournalEntries.AsNoTracking().SingleAsync(e => e.Id == posted.EntryId, Ct);
        Assert.Equal((RateCardNames.Standard, 1), (entry.RateCard, entry.RateCardVersion));
        Assert.Equal(run, entry.RunId);
        Assert.Equal(1_000 - 45, posted.BalanceFen);
    }
}
