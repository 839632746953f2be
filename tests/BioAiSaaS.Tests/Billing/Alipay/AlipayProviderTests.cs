using System.Security.Cryptography;
using System.Text.Json;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>Our Alipay client against the fake gateway over real HTTP: every call signed, every answer verified.</summary>
public sealed class AlipayProviderTests(AlipayGatewayFixture alipay) : IClassFixture<AlipayGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeAlipay Gateway => alipay.Gateway;
    private AlipayPaymentProvider Provider => alipay.Provider;

    [Fact]
    public async Task Precreate_returns_the_gateways_qr_code_for_a_pending_trade_of_that_amount()
    {
        var order = alipay.Order(1234);

        var created = await Provider.CreateOrderAsync(order, Ct);

        Assert.Equal(order.OutTradeNo, created.OutTradeNo);
        Assert.StartsWith("https://qr.alipay.com/", created.QrCodeUrl, StringComparison.Ordinal);
        Assert.Null(created.RedirectUrl);
        var trade = Gateway.Trade(order.OutTradeNo)!;
        Assert.Equal(("WAIT_BUYER_PAY", 1234L, order.Description), (trade.Status, trade.AmountFen, trade.Subject));
    }

    [Fact]
    public async Task A_call_is_a_signed_utf8_form_post_with_beijing_timestamps_from_the_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 16, 30, 5, TimeSpan.Zero));
        var provider = alipay.NewProvider(time: clock);
        var order = new OrderRequest(AlipayGatewayFixture.NewOutTradeNo(), 1234, "专业版", clock.GetUtcNow().AddMinutes(15));

        await provider.CreateOrderAsync(order, Ct);

        var request = Gateway.Requests.Last(r => r.Parameters.GetValueOrDefault("method") == "alipay.trade.precreate");
        Assert.Equal("POST", request.HttpMethod);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.ContentType);
        var p = request.Parameters;
        Assert.Equal("2026-03-02 00:30:05", p["timestamp"]);
        Assert.Equal((FakeAlipay.AppId, "JSON", "utf-8", "RSA2", "1.0"), (p["app_id"], p["format"], p["charset"], p["sign_type"], p["version"]));
        Assert.Equal("https://bioaisaas.example/api/billing/alipay/notify", p["notify_url"]);
        var biz = JsonSerializer.Deserialize<Dictionary<string, string>>(p["biz_content"])!;
        Assert.Equal(order.OutTradeNo, biz["out_trade_no"]);
        Assert.Equal("12.34", biz["total_amount"]);
        Assert.Equal("专业版", biz["subject"]);
        Assert.Equal("2026-03-02 00:45:05", biz["time_expire"]);
    }

    [Fact]
    public async Task The_page_pay_redirect_is_signed_for_the_gateway_and_opens_its_cashier()
    {
        var order = alipay.Order(990, pageRedirect: true);

        var created = await Provider.CreateOrderAsync(order, Ct);

        Assert.Null(created.QrCodeUrl);
        var url = new Uri(created.RedirectUrl!);
        Assert.DoesNotContain(' ', created.RedirectUrl!);
        Assert.Equal(Gateway.GatewayUrl.GetLeftPart(UriPartial.Path), url.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(url.Query);
        Assert.Equal("alipay.trade.page.pay", query["method"]);
        Assert.Equal("https://bioaisaas.example/billing/done", query["return_url"]);
        var biz = JsonSerializer.Deserialize<Dictionary<string, string>>(query["biz_content"]!)!;
        Assert.Equal(("FAST_INSTANT_TRADE_PAY", "9.90"), (biz["product_code"], biz["total_amount"]));
        Assert.DoesNotContain(Gateway.Requests, r => r.Parameters.GetValueOrDefault("biz_content")?.Contains(order.OutTradeNo, StringComparison.Ordinal) == true);

        using var browser = new HttpClient();
        var cashier = await browser.GetStringAsync(url, Ct);

        Assert.Contains(order.OutTradeNo, cashier, StringComparison.Ordinal);
        Assert.Equal("WAIT_BUYER_PAY", Gateway.Trade(order.OutTradeNo)?.Status);
    }

    [Fact]
    public async Task A_page_pay_redirect_with_a_changed_amount_is_refused_by_the_gateway()
    {
        var created = await Provider.CreateOrderAsync(alipay.Order(990, pageRedirect: true), Ct);
        var tampered = created.RedirectUrl!.Replace("9.90", "0.01", StringComparison.Ordinal);
        Assert.NotEqual(created.RedirectUrl, tampered);

        using var browser = new HttpClient();
        using var response = await browser.GetAsync(new Uri(tampered), Ct);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("isv.invalid-signature", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pending_trade_queries_as_pending_with_its_amount()
    {
        var order = alipay.Order(500);
        await Provider.CreateOrderAsync(order, Ct);

        var status = await Provider.QueryOrderAsync(order.OutTradeNo, Ct);

        Assert.Equal((TradeState.Pending, 500L), (status.State, status.AmountFen));
        Assert.Null(status.PaidAt);
    }

    [Fact]
    public async Task A_paid_trade_queries_as_paid_with_amount_trade_number_and_payment_time()
    {
        var order = await alipay.PaidOrderAsync(1234, Ct);

        var status = await Provider.QueryOrderAsync(order.OutTradeNo, Ct);

        var trade = Gateway.Trade(order.OutTradeNo)!;
        Assert.Equal(TradeState.Paid, status.State);
        Assert.Equal(1234, status.AmountFen);
        Assert.Equal(trade.TradeNo, status.ProviderTradeNo);
        Assert.Equal(AlipayTime.Format(trade.PaidAt!.Value), AlipayTime.Format(status.PaidAt!.Value));
    }

    [Fact]
    public async Task A_finished_trade_is_still_paid()
    {
        var order = await alipay.PaidOrderAsync(300, Ct);
        Gateway.Finish(order.OutTradeNo);

        Assert.Equal(TradeState.Paid, (await Provider.QueryOrderAsync(order.OutTradeNo, Ct)).State);
    }

    [Fact]
    public async Task An_unknown_trade_is_not_found()
    {
        var status = await Provider.QueryOrderAsync(AlipayGatewayFixture.NewOutTradeNo(), Ct);

        Assert.Equal(TradeState.NotFound, status.State);
    }

    [Fact]
    public async Task Closing_a_pending_trade_makes_it_closed_and_closing_an_unknown_one_is_done()
    {
        var order = alipay.Order(700);
        await Provider.CreateOrderAsync(order, Ct);

        await Provider.CloseOrderAsync(order.OutTradeNo, Ct);
        await Provider.CloseOrderAsync(AlipayGatewayFixture.NewOutTradeNo(), Ct);

        Assert.Equal("TRADE_CLOSED", Gateway.Trade(order.OutTradeNo)?.Status);
        Assert.Equal(TradeState.Closed, (await Provider.QueryOrderAsync(order.OutTradeNo, Ct)).State);
    }

    [Fact]
    public async Task Closing_a_paid_trade_fails_with_alipays_sub_code()
    {
        var order = await alipay.PaidOrderAsync(700, Ct);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.CloseOrderAsync(order.OutTradeNo, Ct));

        Assert.Equal(("alipay", "ACQ.TRADE_STATUS_ERROR"), (error.Provider, error.Code));
        Assert.Equal("TRADE_SUCCESS", Gateway.Trade(order.OutTradeNo)?.Status);
    }

    [Fact]
    public async Task Refunding_twice_with_the_same_out_request_no_refunds_once()
    {
        var order = await alipay.PaidOrderAsync(1000, Ct);
        var refund = new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-r1", 400, 1000, "客户申请退款");

        var first = await Provider.RefundAsync(refund, Ct);
        var second = await Provider.RefundAsync(refund, Ct);

        Assert.Equal((RefundState.Succeeded, 400L), (first.State, first.AmountFen));
        Assert.Equal((RefundState.Succeeded, 400L), (second.State, second.AmountFen));
        Assert.Equal(400, Gateway.Trade(order.OutTradeNo)!.RefundedFen);
        Assert.Equal(TradeState.Paid, (await Provider.QueryOrderAsync(order.OutTradeNo, Ct)).State); // partly refunded stays TRADE_SUCCESS
    }

    [Fact]
    public async Task A_full_refund_closes_the_trade_and_it_then_queries_as_refunded()
    {
        var order = await alipay.PaidOrderAsync(1000, Ct);

        await Provider.RefundAsync(new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-all", 1000, 1000, ""), Ct);
        var status = await Provider.QueryOrderAsync(order.OutTradeNo, Ct);

        Assert.Equal("TRADE_CLOSED", Gateway.Trade(order.OutTradeNo)?.Status);
        Assert.Equal(TradeState.Refunded, status.State);
        Assert.NotNull(status.PaidAt);
    }

    [Fact]
    public async Task Refunds_beyond_the_paid_amount_are_refused_with_alipays_sub_code()
    {
        var order = await alipay.PaidOrderAsync(1000, Ct);
        await Provider.RefundAsync(new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-r1", 600, 1000, ""), Ct);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Provider.RefundAsync(new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-r2", 600, 1000, ""), Ct));

        Assert.Equal("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", error.Code);
        Assert.Equal(600, Gateway.Trade(order.OutTradeNo)!.RefundedFen);
    }

    [Fact]
    public async Task A_refund_query_finds_a_refund_and_reports_unknown_refunds_and_trades_as_not_found()
    {
        var order = await alipay.PaidOrderAsync(1000, Ct);
        await Provider.RefundAsync(new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-r1", 250, 1000, ""), Ct);

        var found = await Provider.QueryRefundAsync(order.OutTradeNo, order.OutTradeNo + "-r1", Ct);
        var otherRefund = await Provider.QueryRefundAsync(order.OutTradeNo, order.OutTradeNo + "-r9", Ct);
        var otherTrade = await Provider.QueryRefundAsync(AlipayGatewayFixture.NewOutTradeNo(), "refund-1", Ct);

        Assert.Equal((RefundState.Succeeded, 250L), (found.State, found.AmountFen));
        Assert.Equal(RefundState.NotFound, otherRefund.State);
        Assert.Equal(RefundState.NotFound, otherTrade.State);
    }

    [Fact]
    public async Task Requests_signed_with_another_app_key_are_refused_as_an_invalid_signature()
    {
        using var otherKey = RSA.Create(2048);
        var options = Gateway.ClientOptions();
        options.AppPrivateKeyPem = otherKey.ExportPkcs8PrivateKeyPem();
        var impostor = alipay.NewProvider(options);
        var order = alipay.Order(100);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => impostor.CreateOrderAsync(order, Ct));

        Assert.Equal("isv.invalid-signature", error.Code);
        Assert.Null(Gateway.Trade(order.OutTradeNo));
    }

    [Fact]
    public async Task An_answer_changed_after_alipay_signed_it_is_not_believed()
    {
        var order = alipay.Order(100);
        await Provider.CreateOrderAsync(order, Ct);
        Gateway.TamperNextAnswer = body => body.Replace("WAIT_BUYER_PAY", "TRADE_SUCCESS", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.QueryOrderAsync(order.OutTradeNo, Ct));

        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
        Assert.Null(Gateway.TamperNextAnswer); // the tamper was used, so the signature check is what failed
    }

    [Fact]
    public async Task An_answer_signed_by_another_key_is_not_believed()
    {
        using var otherKey = RSA.Create(2048);
        var options = Gateway.ClientOptions();
        options.AlipayPublicKey = otherKey.ExportSubjectPublicKeyInfoPem();
        var provider = alipay.NewProvider(options);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            provider.QueryOrderAsync(AlipayGatewayFixture.NewOutTradeNo(), Ct));

        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_success_is_refused_and_an_unsigned_not_found_is_an_error_not_a_fact()
    {
        var order = alipay.Order(100);
        await Provider.CreateOrderAsync(order, Ct);

        Gateway.OmitNextSign = true;
        var unsignedSuccess = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.QueryOrderAsync(order.OutTradeNo, Ct));
        Gateway.OmitNextSign = true;
        var unsignedNotFound = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Provider.QueryOrderAsync(AlipayGatewayFixture.NewOutTradeNo(), Ct));

        Assert.Contains("not signed", unsignedSuccess.Message, StringComparison.Ordinal);
        Assert.Equal("ACQ.TRADE_NOT_EXIST", unsignedNotFound.Code);
    }

    [Fact]
    public async Task An_unreachable_gateway_is_a_provider_error()
    {
        var options = Gateway.ClientOptions();
        options.GatewayUrl = new Uri("http://127.0.0.1:9/gateway.do");
        var provider = alipay.NewProvider(options);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => provider.QueryOrderAsync(AlipayGatewayFixture.NewOutTradeNo(), Ct));

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has space 123")]
    [InlineData("订单号订单号订单号")]
    [InlineData("A23456789012345678901234567890123")] // 33 characters
    public async Task Malformed_order_numbers_are_our_bug_and_never_sent(string outTradeNo)
    {
        var before = Gateway.Requests.Count;

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(alipay.Order(100) with { OutTradeNo = outTradeNo }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.QueryOrderAsync(outTradeNo, Ct));

        Assert.Equal(before, Gateway.Requests.Count);
    }

    [Fact]
    public async Task Amounts_subjects_expiry_and_refunds_are_checked_before_anything_is_sent()
    {
        var order = alipay.Order(100);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(order with { AmountFen = 0 }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(order with { AmountFen = -100 }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(order with { Description = "a & b" }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(order with { Description = "" }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(order with { ExpiresAt = alipay.Time.GetUtcNow() }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Provider.RefundAsync(new RefundRequest(order.OutTradeNo, order.OutTradeNo + "-r", 200, 100, ""), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Provider.RefundAsync(new RefundRequest(order.OutTradeNo, "r", 50, 100, ""), Ct));

        Assert.Null(Gateway.Trade(order.OutTradeNo));
    }
}
