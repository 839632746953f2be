using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Plans and subscriptions over HTTP: Free by default, prorated upgrades from the wallet, downgrades at the period's end.</summary>
[Collection(StackCollection.Name)]
public sealed class SubscriptionTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_plans_are_data_with_prices_in_fen()
    {
        var plans = await (await stack.AnonymousApi.GetAsync("/api/billing/plans", Ct)).ReadAsync<List<PlanResponse>>();

        Assert.Equal(["free", "pro", "team", "enterprise"], plans.Select(p => p.Code));
        Assert.Equal(9_900, plans[1].MonthlyPriceFen);
        Assert.Equal("¥99.00", plans[1].MonthlyPrice);
        Assert.Equal(0, plans[0].CreditLimitFen);
        Assert.True(plans[3].CreditLimitFen > 0);
        var card = await (await stack.AnonymousApi.GetAsync("/api/billing/rate-cards/standard", Ct)).ReadAsync<RateCardResponse>();
        Assert.Equal(1, card.Version);
        Assert.Equal(15_000, Assert.Single(card.Prices).InputFenPerMillion);
    }

    [Fact]
    public async Task Everyone_is_on_free_without_paying()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);

        var subscription = await GetAsync(api);

        Assert.Equal("free", subscription.Plan);
        Assert.Equal(subscription.CurrentPeriodStart.AddMonths(1), subscription.CurrentPeriodEnd);
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task An_upgrade_takes_effect_at_once_and_debits_the_prorated_difference()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 20_000);
        var before = await GetAsync(api);

        var change = await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "pro" }, Ct)).ReadAsync<SubscriptionChangeResponse>();

        Assert.Equal("pro", change.Subscription.Plan);
        // Upgraded within seconds of the period's start: nearly the whole month's price, never more.
        var fullShare = Proration.UpgradeChargeFen(0, 9_900, before.CurrentPeriodStart, before.CurrentPeriodEnd, before.CurrentPeriodStart);
        Assert.InRange(change.ChargedFen, fullShare - 5, fullShare);
        var wallet = await api.WalletAsync();
        Assert.Equal(20_000 - change.ChargedFen, wallet.BalanceFen);
        Assert.Contains(wallet.Movements, m => m.Kind == "subscription" && m.AmountFen == -change.ChargedFen);
    }

    [Fact]
    public async Task An_upgrade_the_wallet_cannot_cover_is_402_with_how_to_top_up_and_changes_nothing()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 1_000);

        var problem = await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "team" }, Ct))
            .AssertProblemAsync(HttpStatusCode.PaymentRequired);

        Assert.Contains("POST /api/billing/topups", problem.Detail);
        Assert.Equal("free", (await GetAsync(api)).Plan);
        var wallet = await api.WalletAsync();
        Assert.Equal(1_000, wallet.BalanceFen);
        Assert.Single(wallet.Movements);
    }

    [Fact]
    public async Task A_retried_upgrade_with_the_same_idempotency_key_charges_once()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 100_000);

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/billing/subscription") { Content = JsonContent.Create(new { plan = "team" }) };
            request.Headers.Add("Idempotency-Key", "upgrade-to-team-1");
            Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(request, Ct)).StatusCode);
        }

        var wallet = await api.WalletAsync();
        Assert.Single(wallet.Movements, m => m.Kind == "subscription");
        Assert.Equal("team", (await GetAsync(api)).Plan);
    }

    [Fact]
    public async Task A_downgrade_waits_for_the_periods_end_then_renews_at_the_lower_price()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 100_000);
        await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "team" }, Ct)).ReadAsync<SubscriptionChangeResponse>();

        var downgrade = await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "pro" }, Ct)).ReadAsync<SubscriptionChangeResponse>();

        Assert.Equal("team", downgrade.Subscription.Plan);
        Assert.Equal("pro", downgrade.Subscription.ScheduledPlan);
        Assert.Equal(0, downgrade.ChargedFen);
        var balanceBefore = (await api.WalletAsync()).BalanceFen;

        await EndPeriodAsync(user.Id);
        var renewed = await GetAsync(api);

        Assert.Equal("pro", renewed.Plan);
        Assert.Null(renewed.ScheduledPlan);
        Assert.True(renewed.CurrentPeriodEnd > DateTimeOffset.UtcNow);
        Assert.Equal(balanceBefore - 9_900, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task A_cancelled_plan_returns_to_free_at_the_periods_end()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 20_000);
        await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "pro" }, Ct)).ReadAsync<SubscriptionChangeResponse>();

        var cancelled = await (await api.PostAsync("/api/billing/subscription/cancel", null, Ct)).ReadAsync<SubscriptionResponse>();
        Assert.Equal("pro", cancelled.Plan);
        Assert.True(cancelled.CancelAtPeriodEnd);
        var balance = (await api.WalletAsync()).BalanceFen;

        await EndPeriodAsync(user.Id);

        Assert.Equal("free", (await GetAsync(api)).Plan);
        Assert.Equal(balance, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task Bad_subscription_requests_are_clear_problems_and_change_nothing()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack);
        await BillingSteps.FundAsync(stack, user.Id, 100_000);

        await (await api.PostAsJsonAsync("/api/billing/subscription", new { }, Ct)).AssertValidationProblemAsync("plan");
        await (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "platinum" }, Ct)).AssertValidationProblemAsync("plan");
        using var badKey = new HttpRequestMessage(HttpMethod.Post, "/api/billing/subscription") { Content = JsonContent.Create(new { plan = "pro" }) };
        badKey.Headers.Add("Idempotency-Key", new string('k', 101));
        await (await api.SendAsync(badKey, Ct)).AssertValidationProblemAsync("Idempotency-Key");
        await (await stack.AnonymousApi.GetAsync("/api/billing/rate-cards/nonexistent", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal("free", (await GetAsync(api)).Plan);
        Assert.Equal(100_000, (await api.WalletAsync()).BalanceFen);
    }

    private static async Task<SubscriptionResponse> GetAsync(HttpClient api) =>
        await (await api.GetAsync("/api/billing/subscription", Ct)).ReadAsync<SubscriptionResponse>();

    /// <summary>Moves the current period into the past, as the owner, as if a month had gone by.</summary>
    private async Task EndPeriodAsync(Guid userId)
    {
        await using var db = stack.CreateDbContext();
        var end = DateTimeOffset.UtcNow.AddMinutes(-1);
        Assert.Equal(1, await db.Database.ExecuteSqlAsync(
            $"UPDATE subscriptions SET current_period_start = {end.AddMonths(-1)}, current_period_end = {end} WHERE user_id = {userId}", Ct));
    }
}
