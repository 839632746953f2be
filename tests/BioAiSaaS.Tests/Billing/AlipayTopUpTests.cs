using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// Top-ups by Alipay end to end: the order is precreated at the fake gateway (which checks our RSA2 request
/// signatures), the buyer pays, and Alipay-signed form notifications are posted to the Api, which answers exactly
/// <c>success</c> or <c>failure</c>.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AlipayTopUpTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_paid_alipay_order_notified_again_and_again_credits_once_and_a_wrong_amount_is_refused()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "alipay");
        var order = await api.CreateTopUpAsync(8_800, "alipay");
        Assert.Equal(PaymentOrderStatuses.Pending, order.Status);
        Assert.False(string.IsNullOrEmpty(order.QrCodeUrl));

        stack.Alipay.Pay(order.OutTradeNo);
        // Signed by Alipay's key, but for one fen: the order says ¥88.00, so nothing is credited.
        var cheap = await stack.AnonymousApi.DeliverAsync(
            stack.Alipay.BuildNotification(order.OutTradeNo, overrides: new Dictionary<string, string> { ["total_amount"] = "0.01" }), "alipay");
        Assert.Equal("failure", await cheap.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => stack.AnonymousApi.DeliverAsync(stack.Alipay.BuildNotification(order.OutTradeNo), "alipay")));
        stack.Alipay.Finish(order.OutTradeNo);
        var finished = await stack.AnonymousApi.DeliverAsync(stack.Alipay.BuildNotification(order.OutTradeNo, "TRADE_FINISHED"), "alipay");

        foreach (var answer in answers.Append(finished))
        {
            Assert.Equal("success", await answer.Content.ReadAsStringAsync(Ct));
        }
        var wallet = await api.WalletAsync();
        Assert.Equal(8_800, wallet.BalanceFen);
        Assert.Equal(order.OutTradeNo, Assert.Single(wallet.Movements).PaymentOrder);
        Assert.Equal(PaymentOrderStatuses.Paid, (await api.GetTopUpAsync(order.OutTradeNo)).Status);
    }
}
