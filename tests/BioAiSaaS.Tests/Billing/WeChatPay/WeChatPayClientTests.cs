using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing.WeChatPay;

/// <summary>
/// The provider against the fake over real HTTP: each request signed (the fake refuses anything else), each answer
/// verified (the client refuses anything else), orders and refunds through their life cycle, errors by code.
/// </summary>
public sealed class WeChatPayClientTests : IAsyncLifetime
{
    private WeChatPayHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private WeChatPayProvider Provider => _harness.Provider;

    public async ValueTask InitializeAsync() => _harness = await WeChatPayHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData(PlatformKeyMode.Certificate)]
    [InlineData(PlatformKeyMode.PublicKey)]
    public async Task Created_order_has_a_code_url_and_queries_as_pending_whichever_platform_key_signs(PlatformKeyMode mode)
    {
        _harness.Fake.ResponseSigning = mode;
        var outTradeNo = NewTradeNo();

        var created = await Provider.CreateOrderAsync(new OrderRequest(outTradeNo, 9_900, "BioAiSaaS 专业版 一个月", _harness.Time.GetUtcNow().AddHours(2)), Ct);
        var status = await Provider.QueryOrderAsync(outTradeNo, Ct);

        Assert.Equal(outTradeNo, created.OutTradeNo);
        Assert.StartsWith("weixin://wxpay/bizpayurl?pr=", created.QrCodeUrl, StringComparison.Ordinal);
        Assert.Null(created.RedirectUrl);
        Assert.Equal(new TradeStatus(outTradeNo, TradeState.Pending, null, 9_900, null), status);
        Assert.Equal(0, _harness.Fake.SignatureFailures);
    }

    [Fact]
    public async Task Order_expiry_is_sent_as_rfc3339_in_beijing_time()
    {
        var outTradeNo = NewTradeNo();

        await Provider.CreateOrderAsync(new OrderRequest(outTradeNo, 100, "BioAiSaaS", new DateTimeOffset(2026, 3, 1, 2, 30, 0, TimeSpan.Zero)), Ct);

        Assert.Equal("2026-03-01T10:30:00+08:00", _harness.Fake.TimeExpireOf(outTradeNo));
    }

    [Fact]
    public async Task Paid_order_queries_as_paid_with_the_transaction_id_amount_and_time()
    {
        var outTradeNo = await CreateAsync(12_345);
        _harness.Time.Advance(TimeSpan.FromMinutes(3));
        _harness.Fake.Pay(outTradeNo);

        var status = await Provider.QueryOrderAsync(outTradeNo, Ct);

        Assert.Equal(TradeState.Paid, status.State);
        Assert.StartsWith("4200", status.ProviderTradeNo, StringComparison.Ordinal);
        Assert.Equal(12_345, status.AmountFen);
        Assert.Equal(_harness.Time.GetUtcNow(), status.PaidAt);
    }

    [Fact]
    public async Task Order_the_provider_never_saw_is_not_found()
    {
        var status = await Provider.QueryOrderAsync("NEVER_CREATED_1", Ct);

        Assert.Equal(new TradeStatus("NEVER_CREATED_1", TradeState.NotFound, null, null, null), status);
    }

    [Fact]
    public async Task Closed_order_queries_as_closed_and_closing_again_is_harmless()
    {
        var outTradeNo = await CreateAsync(100);

        await Provider.CloseOrderAsync(outTradeNo, Ct);
        await Provider.CloseOrderAsync(outTradeNo, Ct);

        Assert.Equal(TradeState.Closed, (await Provider.QueryOrderAsync(outTradeNo, Ct)).State);
    }

    [Fact]
    public async Task Closing_a_paid_order_is_refused_with_wechat_pays_code()
    {
        var outTradeNo = await CreateAsync(100);
        _harness.Fake.Pay(outTradeNo);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.CloseOrderAsync(outTradeNo, Ct));

        Assert.Equal("wechatpay", error.Provider);
        Assert.Equal("ORDERPAID", error.Code);
        Assert.Contains("订单已支付", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refund_is_processing_then_succeeded_and_the_order_is_refunded()
    {
        var outTradeNo = await CreateAsync(5_000);
        _harness.Fake.Pay(outTradeNo);
        var outRefundNo = "R" + outTradeNo;

        var refund = await Provider.RefundAsync(new RefundRequest(outTradeNo, outRefundNo, 2_000, 5_000, "部分退款"), Ct);
        var whileProcessing = await Provider.QueryRefundAsync(outTradeNo, outRefundNo, Ct);
        _harness.Fake.SettleRefund(outRefundNo);
        var settled = await Provider.QueryRefundAsync(outTradeNo, outRefundNo, Ct);

        Assert.Equal(RefundState.Processing, refund.State);
        Assert.Equal(2_000, refund.AmountFen);
        Assert.StartsWith("50", refund.ProviderRefundNo, StringComparison.Ordinal);
        Assert.Equal(refund, whileProcessing);
        Assert.Equal(refund with { State = RefundState.Succeeded }, settled);
        Assert.Equal(TradeState.Refunded, (await Provider.QueryOrderAsync(outTradeNo, Ct)).State);
    }

    [Fact]
    public async Task Refund_asked_twice_with_one_refund_number_refunds_once()
    {
        var outTradeNo = await CreateAsync(1_000);
        _harness.Fake.Pay(outTradeNo);
        var request = new RefundRequest(outTradeNo, "R" + outTradeNo, 600, 1_000, "重复请求");

        var first = await Provider.RefundAsync(request, Ct);
        var second = await Provider.RefundAsync(request, Ct);

        Assert.Equal(first, second);
        // 600 refunded once leaves exactly 400 refundable.
        var error = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Provider.RefundAsync(request with { OutRefundNo = "R2" + outTradeNo, RefundFen = 401 }, Ct));
        Assert.Equal("INVALID_REQUEST", error.Code);
        var rest = await Provider.RefundAsync(request with { OutRefundNo = "R3" + outTradeNo, RefundFen = 400 }, Ct);
        Assert.Equal(RefundState.Processing, rest.State);
    }

    [Fact]
    public async Task Refund_of_an_unpaid_order_is_refused_with_wechat_pays_code()
    {
        var outTradeNo = await CreateAsync(1_000);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Provider.RefundAsync(new RefundRequest(outTradeNo, "R" + outTradeNo, 100, 1_000, ""), Ct));

        Assert.Equal("INVALID_REQUEST", error.Code);
    }

    [Fact]
    public async Task Refund_the_provider_never_saw_is_not_found()
    {
        var status = await Provider.QueryRefundAsync("NEVER_CREATED_1", "NEVER_REFUNDED_1", Ct);

        Assert.Equal(new RefundStatus("NEVER_CREATED_1", "NEVER_REFUNDED_1", RefundState.NotFound, null, null), status);
    }

    [Fact]
    public async Task Reusing_an_order_number_for_another_amount_is_refused_with_wechat_pays_code()
    {
        var outTradeNo = await CreateAsync(100);

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Provider.CreateOrderAsync(new OrderRequest(outTradeNo, 200, "BioAiSaaS", _harness.Time.GetUtcNow().AddHours(1)), Ct));

        Assert.Equal("OUT_TRADE_NO_USED", error.Code);
    }

    [Fact]
    public async Task Request_signed_by_a_key_the_provider_does_not_know_is_refused_as_sign_error()
    {
        using var otherKey = RSA.Create(2048);
        var wrongMerchantKey = _harness.ProviderWith(o => o.MerchantPrivateKeyPem = otherKey.ExportPkcs8PrivateKeyPem());

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => wrongMerchantKey.QueryOrderAsync("T123456", Ct));

        Assert.Equal("SIGN_ERROR", error.Code);
        Assert.Equal(1, _harness.Fake.SignatureFailures);
    }

    [Theory]
    [InlineData(ResponseFault.ForgedSignature)]
    [InlineData(ResponseFault.StaleTimestamp)]
    [InlineData(ResponseFault.UnknownSerial)]
    [InlineData(ResponseFault.NoSignature)]
    [InlineData(ResponseFault.TamperedBody)]
    public async Task Answer_that_does_not_verify_is_an_exception_not_a_result(ResponseFault fault)
    {
        var outTradeNo = await CreateAsync(100);
        _harness.Fake.ResponseFault = fault;

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.QueryOrderAsync(outTradeNo, Ct));

        Assert.Equal("UNVERIFIED_RESPONSE", error.Code);
    }

    [Fact]
    public async Task Not_found_that_does_not_verify_is_an_exception_not_a_not_found()
    {
        _harness.Fake.ResponseFault = ResponseFault.ForgedSignature;

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => Provider.QueryOrderAsync("NEVER_CREATED_1", Ct));

        Assert.Equal("UNVERIFIED_RESPONSE", error.Code);
    }

    [Fact]
    public async Task Answer_signed_by_the_public_key_is_refused_by_a_merchant_that_trusts_only_certificates()
    {
        _harness.Fake.ResponseSigning = PlatformKeyMode.PublicKey;
        var certificatesOnly = _harness.ProviderWith(o => (o.PlatformPublicKeyId, o.PlatformPublicKeyPem) = (null, null));

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => certificatesOnly.QueryOrderAsync("T123456", Ct));

        Assert.Equal("UNVERIFIED_RESPONSE", error.Code);
        Assert.Contains("not our platform public key id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_that_cannot_be_reached_is_an_exception_without_a_code()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var unreachable = _harness.ProviderWith(o => o.BaseUrl = new Uri($"http://127.0.0.1:{closedPort}"));

        var error = await Assert.ThrowsAsync<PaymentProviderException>(() => unreachable.QueryOrderAsync("T123456", Ct));

        Assert.Null(error.Code);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData("T1234")]
    [InlineData("T12345678901234567890123456789012")]
    [InlineData("T123 456")]
    [InlineData("订单号123456")]
    public async Task Malformed_order_number_is_refused_before_anything_is_sent(string outTradeNo)
    {
        var expires = _harness.Time.GetUtcNow().AddHours(1);

        await Assert.ThrowsAsync<ArgumentException>(() => Provider.CreateOrderAsync(new OrderRequest(outTradeNo, 100, "BioAiSaaS", expires), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Provider.QueryOrderAsync(outTradeNo, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Provider.CloseOrderAsync(outTradeNo, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Provider.RefundAsync(new RefundRequest(outTradeNo, "R1", 1, 1, ""), Ct));

        Assert.Equal(0, _harness.Fake.Requests);
    }

    [Fact]
    public async Task Amounts_that_are_not_positive_or_refunds_beyond_the_total_are_refused_before_anything_is_sent()
    {
        var expires = _harness.Time.GetUtcNow().AddHours(1);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(new OrderRequest("T123456", 0, "BioAiSaaS", expires), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(new OrderRequest("T123456", -1, "BioAiSaaS", expires), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.RefundAsync(new RefundRequest("T123456", "R1", 0, 100, ""), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.RefundAsync(new RefundRequest("T123456", "R1", 101, 100, ""), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Provider.CreateOrderAsync(new OrderRequest("T123456", 100, "", expires), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Provider.CreateOrderAsync(new OrderRequest("T123456", 100, "BioAiSaaS", expires, PageRedirect: true), Ct));

        Assert.Equal(0, _harness.Fake.Requests);
    }

    private async Task<string> CreateAsync(long amountFen)
    {
        var outTradeNo = NewTradeNo();
        await Provider.CreateOrderAsync(new OrderRequest(outTradeNo, amountFen, "BioAiSaaS 积分", _harness.Time.GetUtcNow().AddHours(2)), Ct);
        return outTradeNo;
    }

    private static string NewTradeNo() => "T" + Guid.NewGuid().ToString("N")[..20];
}
