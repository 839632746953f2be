using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// Top-ups end to end over real HTTP: the Api creates the order at the fake WeChat Pay (which checks our request
/// signatures), the payer pays, and the fake's signed, encrypted notifications are posted to the Api.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TopUpTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_paid_order_notified_fifteen_times_some_concurrently_credits_the_wallet_once()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var failuresBefore = stack.WeChatPay.SignatureFailures;

        var order = await api.CreateTopUpAsync(12_345);

        Assert.Equal(PaymentOrderStatuses.Pending, order.Status);
        Assert.StartsWith("weixin://wxpay/bizpayurl", order.QrCodeUrl);
        Assert.Equal("NOTPAY", stack.WeChatPay.StateOf(order.OutTradeNo));
        Assert.Equal(failuresBefore, stack.WeChatPay.SignatureFailures);

        stack.WeChatPay.Pay(order.OutTradeNo);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo))));
        var sequential = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            // Each retry is a new delivery: a fresh nonce, timestamp and signature over the same facts.
            sequential.Add(await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.BuildNotification(order.OutTradeNo, PlatformKeyMode.PublicKey)));
        }

        Assert.All(concurrent.Concat(sequential), r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        var wallet = await api.WalletAsync();
        Assert.Equal(12_345, wallet.BalanceFen);
        Assert.Equal("¥123.45", wallet.Balance);
        var movement = Assert.Single(wallet.Movements);
        Assert.Equal(12_345, movement.AmountFen);
        Assert.Equal(order.OutTradeNo, movement.PaymentOrder);
        var paid = await api.GetTopUpAsync(order.OutTradeNo);
        Assert.Equal(PaymentOrderStatuses.Paid, paid.Status);
        Assert.NotNull(paid.PaidAt);
    }

    [Fact]
    public async Task A_notification_with_a_forged_signature_is_refused_in_wechat_pays_format_and_credits_nothing()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await PaidOrderAsync(api);
        var genuine = stack.WeChatPay.BuildNotification(order.OutTradeNo);
        var other = stack.WeChatPay.BuildNotification(order.OutTradeNo);
        // A real platform signature, but over another delivery: it does not verify this one.
        var headers = new Dictionary<string, string>(genuine.Headers) { ["wechatpay-signature"] = other.Headers["wechatpay-signature"] };

        var response = await stack.AnonymousApi.DeliverAsync(genuine with { Headers = headers });

        await AssertRefusedAsync(response);
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(PaymentOrderStatuses.Pending, (await api.GetTopUpAsync(order.OutTradeNo)).Status);
    }

    [Fact]
    public async Task A_notification_signed_ten_minutes_ago_is_refused()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await PaidOrderAsync(api);
        var stale = stack.WeChatPay.Seal("TRANSACTION.SUCCESS", stack.WeChatPay.PaymentResource(order.OutTradeNo).ToJsonString(),
            timestamp: DateTimeOffset.UtcNow.AddMinutes(-10));

        await AssertRefusedAsync(await stack.AnonymousApi.DeliverAsync(stale));
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task A_genuine_notification_of_another_amount_than_the_orders_is_refused_and_credits_nothing()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await PaidOrderAsync(api, 5_000);
        var resource = stack.WeChatPay.PaymentResource(order.OutTradeNo);
        resource["amount"]!["total"] = 500_000;
        resource["amount"]!["payer_total"] = 500_000;

        await AssertRefusedAsync(await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.Seal("TRANSACTION.SUCCESS", resource.ToJsonString())));
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
        Assert.Equal(PaymentOrderStatuses.Pending, (await api.GetTopUpAsync(order.OutTradeNo)).Status);
    }

    [Fact]
    public async Task A_genuine_notification_of_an_order_that_is_not_ours_is_refused()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var order = await PaidOrderAsync(api);
        var resource = stack.WeChatPay.PaymentResource(order.OutTradeNo);
        resource["out_trade_no"] = "TUNOTOURS00000000001";

        await AssertRefusedAsync(await stack.AnonymousApi.DeliverAsync(stack.WeChatPay.Seal("TRANSACTION.SUCCESS", resource.ToJsonString())));
        Assert.Equal(0, (await api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task Notifications_for_an_unknown_or_unconfigured_provider_are_refused_in_its_own_terms()
    {
        var unknown = await stack.AnonymousApi.PostAsync("/api/payments/paypal/notify", new StringContent("{}"), Ct);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);

        // Alipay is not configured on this stack: its servers still get the one answer they understand.
        var alipay = await stack.AnonymousApi.PostAsync("/api/payments/alipay/notify",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["out_trade_no"] = "TU000001", ["trade_status"] = "TRADE_SUCCESS" }), Ct);
        Assert.Equal(HttpStatusCode.OK, alipay.StatusCode);
        Assert.Equal("failure", await alipay.Content.ReadAsStringAsync(Ct));

        await AssertRefusedAsync(await stack.AnonymousApi.PostAsync("/api/payments/wechatpay/notify", new StringContent("not json"), Ct));
    }

    [Fact]
    public async Task Bad_top_up_requests_are_clear_problems_and_create_nothing()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack);
        var requestsBefore = stack.WeChatPay.Requests;

        await (await api.PostAsJsonAsync("/api/billing/topups", new { amountFen = 1_000 }, Ct)).AssertValidationProblemAsync("provider");
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider = "paypal", amountFen = 1_000 }, Ct)).AssertValidationProblemAsync("provider");
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider = "wechatpay", amountFen = 99 }, Ct)).AssertValidationProblemAsync("amountFen");
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider = "wechatpay", amountFen = 5_000_001 }, Ct)).AssertValidationProblemAsync("amountFen");
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider = "wechatpay" }, Ct)).AssertValidationProblemAsync("amountFen");
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider = "wechatpay", amountFen = 1_000, pageRedirect = true }, Ct))
            .AssertValidationProblemAsync("pageRedirect");
        var notJson = await api.PostAsync("/api/billing/topups", new StringContent("{\"provider\":", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        await (await api.GetAsync("/api/billing/topups/bad!number", Ct)).AssertValidationProblemAsync("outTradeNo");
        await (await api.GetAsync("/api/billing/topups/TU00000000000000000000000000", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await api.GetAsync("/api/billing/wallet?limit=0", Ct)).AssertValidationProblemAsync("limit");

        Assert.Equal(requestsBefore, stack.WeChatPay.Requests);
        var wallet = await api.WalletAsync();
        Assert.Equal(0, wallet.BalanceFen);
        Assert.Empty(wallet.Movements);
    }

    [Fact]
    public async Task Another_users_top_up_is_not_found_and_billing_needs_a_caller()
    {
        var (_, alice) = await BillingSteps.NewCustomerAsync(stack, "alice");
        var (_, bob) = await BillingSteps.NewCustomerAsync(stack, "bob");
        var order = await alice.CreateTopUpAsync(1_000);

        await (await bob.GetAsync($"/api/billing/topups/{order.OutTradeNo}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stack.AnonymousApi.GetAsync("/api/billing/wallet", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stack.AnonymousApi.GetAsync("/api/billing/plans", Ct)).StatusCode);
    }

    /// <summary>An order the payer has paid at WeChat Pay, not yet notified.</summary>
    private async Task<TopUpResponse> PaidOrderAsync(HttpClient api, long amountFen = 1_000)
    {
        var order = await api.CreateTopUpAsync(amountFen);
        stack.WeChatPay.Pay(order.OutTradeNo);
        return order;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("FAIL", JsonNode.Parse(body)!["code"]!.GetValue<string>());
    }
}
