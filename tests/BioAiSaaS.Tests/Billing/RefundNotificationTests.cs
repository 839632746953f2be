using System.Net;
using System.Text.Json.Nodes;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Refund notifications: out-of-order safe, and a refund leaves the wallet once, however often it is reported.</summary>
[Collection(StackCollection.Name)]
public sealed class RefundNotificationTests(StackFixture stack)
{
    [Fact]
    public async Task A_refund_reported_before_its_payment_is_refused_until_the_payment_is_in_then_debits_the_wallet_once()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await api.CreateTopUpAsync(3_000);
        stack.WeChatPay.Pay(order.OutTradeNo);
        var outRefundNo = "RF" + order.OutTradeNo[2..];

        var early = await stack.AnonymousApi.DeliverAsync(RefundNotification(order.OutTradeNo, outRefundNo, total: 3_000, refund: 1_000));

        Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode); // WeChat Pay sends it again later
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(PaymentOrderStatuses.Pending, (await api.GetTopUpAsync(order.OutTradeNo)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo))).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent,
                (await stack.AnonymousApi.DeliverAsync(RefundNotification(order.OutTradeNo, outRefundNo, total: 3_000, refund: 1_000))).StatusCode);
        }

        var wallet = await api.WalletAsync();
        Assert.Equal(2_000, wallet.BalanceFen);
        Assert.Contains(wallet.Movements, m => m.Kind == "provider_refund" && m.AmountFen == -1_000);
        var refunded = await api.GetTopUpAsync(order.OutTradeNo);
        Assert.Equal(PaymentOrderStatuses.Refunded, refunded.Status);
        Assert.Equal(1_000, refunded.RefundedFen);
    }

    [Fact]
    public async Task A_refund_of_more_than_is_left_of_the_order_is_refused()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await api.CreateTopUpAsync(1_000);
        stack.WeChatPay.Pay(order.OutTradeNo);
        await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo));

        var tooMuch = await stack.AnonymousApi.DeliverAsync(RefundNotification(order.OutTradeNo, "RF" + order.OutTradeNo[2..], total: 1_000, refund: 1_001));

        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal(1_000, (await api.WalletAsync()).BalanceFen);
    }

    /// <summary>A REFUND.SUCCESS as WeChat Pay would seal it, for a refund made outside this service (the merchant console).</summary>
    private ReceivedNotification RefundNotification(string outTradeNo, string outRefundNo, long total, long refund) =>
        stack.WeChatPay.Seal("REFUND.SUCCESS", new JsonObject
        {
            ["mchid"] = FakeWeChatPay.MchId,
            ["out_trade_no"] = outTradeNo,
            ["transaction_id"] = "4200000000000000000000000001",
            ["out_refund_no"] = outRefundNo,
            ["refund_id"] = "50000000000000000000000000001",
            ["refund_status"] = "SUCCESS",
            ["success_time"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            ["user_received_account"] = "支付用户零钱",
            ["amount"] = new JsonObject { ["total"] = total, ["refund"] = refund, ["payer_total"] = total, ["payer_refund"] = refund },
        }.ToJsonString());
}
