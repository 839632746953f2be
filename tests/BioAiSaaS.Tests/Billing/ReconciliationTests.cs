using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// The worker's reconciliation job, so a lost notification never loses money. It leaves orders younger than a
/// minute to their notifications; the tests age an order instead of waiting (as the owner, in the database).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReconciliationTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_order_paid_at_the_provider_whose_notification_never_came_is_credited_by_the_job()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await api.CreateTopUpAsync(2_500);
        stack.WeChatPay.Pay(order.OutTradeNo);

        await AgeAsync(order.OutTradeNo, TimeSpan.FromMinutes(2), expired: false);

        await BillingSteps.EventuallyAsync(async () => (await api.GetTopUpAsync(order.OutTradeNo)).Status == PaymentOrderStatuses.Paid,
            "the job finds the payment");
        Assert.Equal(2_500, (await api.WalletAsync()).BalanceFen);
        // The notification that finally arrives changes nothing: the job used the same journal key.
        Assert.Equal(System.Net.HttpStatusCode.NoContent,
            (await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo))).StatusCode);
        Assert.Equal(2_500, (await api.WalletAsync()).BalanceFen);
        Assert.Single((await api.WalletAsync()).Movements);
    }

    [Fact]
    public async Task An_expired_unpaid_order_is_closed_at_the_provider_and_here()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await api.CreateTopUpAsync(1_000);

        await AgeAsync(order.OutTradeNo, TimeSpan.FromHours(1), expired: true);

        await BillingSteps.EventuallyAsync(async () => (await api.GetTopUpAsync(order.OutTradeNo)).Status == PaymentOrderStatuses.Closed,
            "the job closes the order");
        Assert.Equal("CLOSED", stack.WeChatPay.StateOf(order.OutTradeNo));
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task A_young_pending_order_is_left_to_its_notification()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await api.CreateTopUpAsync(1_000);
        stack.WeChatPay.Pay(order.OutTradeNo);

        // Several rounds of the job (one a second) pass without touching it.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);

        Assert.Equal(PaymentOrderStatuses.Pending, (await api.GetTopUpAsync(order.OutTradeNo)).Status);
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
    }

    /// <summary>Moves the order's creation (and, if <paramref name="expired"/>, its expiry) into the past.</summary>
    private async Task AgeAsync(string outTradeNo, TimeSpan age, bool expired)
    {
        await using var db = stack.CreateDbContext();
        var created = DateTimeOffset.UtcNow - age;
        var expires = expired ? DateTimeOffset.UtcNow.AddMinutes(-1) : DateTimeOffset.UtcNow.AddMinutes(10);
        Assert.Equal(1, await db.Database.ExecuteSqlAsync(
            $"UPDATE payment_orders SET created_at = {created}, expires_at = {expires} WHERE out_trade_no = {outTradeNo}", Ct));
    }
}
