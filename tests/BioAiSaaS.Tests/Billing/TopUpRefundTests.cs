using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// Refunds a user asks for: the amount leaves the wallet at once (held), the provider is asked over real HTTP, and its
/// answer (now, or by a notification delivered again and again) completes the refund once or gives the money back.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TopUpRefundTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wechat_refund_is_held_at_once_completed_once_by_its_notifications_and_a_closed_one_gives_the_money_back()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "refund");
        var order = await PaidWeChatTopUpAsync(api, 10_000);

        var refund = await (await RequestAsync(api, order.OutTradeNo, 3_000)).ReadAsync<RefundResponse>(HttpStatusCode.Accepted);

        Assert.Equal("Processing", refund.Status);
        Assert.Equal(7_000, (await api.WalletAsync()).BalanceFen); // held: it cannot be spent while the provider works
        stack.WeChatPay.SettleRefund(refund.OutRefundNo);
        for (var i = 0; i < 3; i++)
        {
            var answer = await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildRefundNotification(refund.OutRefundNo));
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        }
        Assert.Equal(7_000, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(3_000, (await api.GetTopUpAsync(order.OutTradeNo)).RefundedFen);
        Assert.Equal("Succeeded", Assert.Single(await ListAsync(api, order.OutTradeNo)).Status);

        // More than is left of the order is refused; a refund the provider closes comes back to the wallet, once.
        await (await RequestAsync(api, order.OutTradeNo, 7_001)).AssertProblemAsync(HttpStatusCode.Conflict);
        var closed = await (await RequestAsync(api, order.OutTradeNo, 2_000)).ReadAsync<RefundResponse>(HttpStatusCode.Accepted);
        Assert.Equal(5_000, (await api.WalletAsync()).BalanceFen);
        stack.WeChatPay.SettleRefund(closed.OutRefundNo, "CLOSED");
        await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildRefundNotification(closed.OutRefundNo));
        await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildRefundNotification(closed.OutRefundNo));
        Assert.Equal(7_000, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(3_000, (await api.GetTopUpAsync(order.OutTradeNo)).RefundedFen);
    }

    [Fact]
    public async Task An_alipay_refund_completes_in_its_answer_and_money_already_spent_cannot_go_back()
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "refund-ali");
        var order = await api.CreateTopUpAsync(5_000, "alipay");
        stack.Alipay.Pay(order.OutTradeNo);
        await stack.AnonymousApi.DeliverAsync(stack.Alipay.BuildNotification(order.OutTradeNo), "alipay");
        Assert.Equal(5_000, (await api.WalletAsync()).BalanceFen);

        var refund = await (await RequestAsync(api, order.OutTradeNo, 1_500)).ReadAsync<RefundResponse>(HttpStatusCode.Accepted);

        Assert.Equal("Succeeded", refund.Status);
        Assert.Equal(3_500, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(1_500, stack.Alipay.Trade(order.OutTradeNo)!.RefundedFen);
        // Alipay's refund notice for the same refund changes nothing.
        await stack.AnonymousApi.DeliverAsync(stack.Alipay.BuildNotification(order.OutTradeNo, refundOf: refund.OutRefundNo), "alipay");
        Assert.Equal(3_500, (await api.WalletAsync()).BalanceFen);

        // Spend most of the rest: what is gone from the wallet cannot be refunded.
        await BillingSteps.SpendAsync(stack, user.Id, 3_000);
        await (await RequestAsync(api, order.OutTradeNo, 1_000)).AssertProblemAsync(HttpStatusCode.PaymentRequired);
        Assert.Equal(500, (await api.WalletAsync()).BalanceFen);
        Assert.Single(await ListAsync(api, order.OutTradeNo));
    }

    [Fact]
    public async Task Refunds_whose_notifications_never_come_are_settled_by_the_reconciliation_job()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "refund-job");
        var order = await PaidWeChatTopUpAsync(api, 6_000);
        var done = await (await RequestAsync(api, order.OutTradeNo, 1_000)).ReadAsync<RefundResponse>(HttpStatusCode.Accepted);
        var closed = await (await RequestAsync(api, order.OutTradeNo, 2_000)).ReadAsync<RefundResponse>(HttpStatusCode.Accepted);
        stack.WeChatPay.SettleRefund(done.OutRefundNo);
        stack.WeChatPay.SettleRefund(closed.OutRefundNo, "CLOSED");
        Assert.Equal(3_000, (await api.WalletAsync()).BalanceFen);

        // The job leaves refunds younger than a minute to their notifications: age these instead of waiting.
        await using (var db = stack.CreateDbContext())
        {
            var past = DateTimeOffset.UtcNow.AddMinutes(-2);
            await db.Database.ExecuteSqlAsync(
                $"UPDATE payment_refunds SET updated_at = {past} WHERE out_refund_no IN ({done.OutRefundNo}, {closed.OutRefundNo})", Ct);
        }

        await BillingSteps.EventuallyAsync(async () => (await ListAsync(api, order.OutTradeNo)).All(r => r.Status is "Succeeded" or "Failed"),
            "the job settles both refunds");
        var refunds = (await ListAsync(api, order.OutTradeNo)).ToDictionary(r => r.OutRefundNo, r => r.Status);
        Assert.Equal(("Succeeded", "Failed"), (refunds[done.OutRefundNo], refunds[closed.OutRefundNo]));
        Assert.Equal(5_000, (await api.WalletAsync()).BalanceFen); // the closed one's 2,000 came back; the done one's 1,000 left
        Assert.Equal(1_000, (await api.GetTopUpAsync(order.OutTradeNo)).RefundedFen);
    }

    [Fact]
    public async Task Bad_refund_requests_are_clear_problems_and_change_nothing()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "refund-bad");
        var order = await PaidWeChatTopUpAsync(api, 1_000);
        var (_, stranger) = await BillingSteps.NewCustomerAsync(stack, "refund-stranger");

        await (await RequestAsync(api, order.OutTradeNo, 0)).AssertValidationProblemAsync("amountFen");
        await (await api.PostAsJsonAsync($"/api/billing/topups/{order.OutTradeNo}/refunds", new { amountFen = 100 }, Ct)).AssertValidationProblemAsync("reason");
        await (await RequestAsync(api, "bad!number", 100)).AssertValidationProblemAsync("outTradeNo");
        await (await RequestAsync(stranger, order.OutTradeNo, 100)).AssertProblemAsync(HttpStatusCode.NotFound);
        var unpaid = await api.CreateTopUpAsync(1_000);
        await (await RequestAsync(api, unpaid.OutTradeNo, 100)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Empty(await ListAsync(api, order.OutTradeNo));
        Assert.Equal(1_000, (await api.WalletAsync()).BalanceFen);
    }

    private async Task<TopUpResponse> PaidWeChatTopUpAsync(HttpClient api, long amountFen)
    {
        var order = await api.CreateTopUpAsync(amountFen);
        stack.WeChatPay.Pay(order.OutTradeNo);
        Assert.Equal(HttpStatusCode.NoContent, (await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo))).StatusCode);
        return order;
    }

    private static Task<HttpResponseMessage> RequestAsync(HttpClient api, string outTradeNo, long amountFen) =>
        api.PostAsJsonAsync($"/api/billing/topups/{outTradeNo}/refunds", new { amountFen, reason = "Not needed" }, Ct);

    private static async Task<List<RefundResponse>> ListAsync(HttpClient api, string outTradeNo) =>
        await (await api.GetAsync($"/api/billing/topups/{outTradeNo}/refunds", Ct)).ReadAsync<List<RefundResponse>>();
}
