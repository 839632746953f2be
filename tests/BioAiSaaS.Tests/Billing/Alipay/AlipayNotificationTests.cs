using System.Security.Cryptography;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>Alipay's asynchronous notifications: verified and read when genuine, rejected with a reason otherwise, never thrown.</summary>
public sealed class AlipayNotificationTests(AlipayGatewayFixture alipay) : IClassFixture<AlipayGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeAlipay Gateway => alipay.Gateway;
    private AlipayPaymentProvider Provider => alipay.Provider;

    private static PaymentNotification AssertVerified(NotificationCheck check) =>
        Assert.IsType<NotificationCheck.Verified>(check).Notification;

    private static string AssertRejected(NotificationCheck check) =>
        Assert.IsType<NotificationCheck.Rejected>(check).Reason;

    private static ReceivedNotification WithBody(ReceivedNotification notification, string body) => notification with { Body = body };

    [Fact]
    public async Task A_payment_notification_is_verified_with_the_trades_facts()
    {
        var order = await alipay.PaidOrderAsync(1234, Ct);
        var trade = Gateway.Trade(order.OutTradeNo)!;

        var n = AssertVerified(Provider.VerifyNotification(Gateway.BuildNotification(order.OutTradeNo)));

        Assert.Equal((NotificationKind.Payment, TradeState.Paid, 1234L), (n.Kind, n.State, n.AmountFen));
        Assert.Equal((order.OutTradeNo, trade.TradeNo), (n.OutTradeNo, n.ProviderTradeNo));
        Assert.Equal(34, n.EventId.Length);
        Assert.Equal(AlipayTime.Format(trade.PaidAt!.Value), AlipayTime.Format(n.PaidAt!.Value));
        Assert.Equal(AlipayTime.BeijingOffset, n.PaidAt.Value.Offset);
        Assert.Null(n.RefundState);
    }

    [Fact]
    public async Task TRADE_FINISHED_means_paid()
    {
        var order = await alipay.PaidOrderAsync(300, Ct);
        Gateway.Finish(order.OutTradeNo);

        var n = AssertVerified(Provider.VerifyNotification(Gateway.BuildNotification(order.OutTradeNo)));

        Assert.Equal(TradeState.Paid, n.State);
    }

    [Fact]
    public async Task TRADE_CLOSED_without_a_refund_means_closed()
    {
        var order = alipay.Order(300);
        await Provider.CreateOrderAsync(order, Ct);
        await Provider.CloseOrderAsync(order.OutTradeNo, Ct);

        var n = AssertVerified(Provider.VerifyNotification(Gateway.BuildNotification(order.OutTradeNo)));

        Assert.Equal((NotificationKind.Payment, TradeState.Closed), (n.Kind, n.State));
        Assert.Null(n.PaidAt);
    }

    [Fact]
    public async Task The_same_notification_delivered_again_verifies_to_the_same_facts()
    {
        var order = await alipay.PaidOrderAsync(800, Ct);
        var notification = Gateway.BuildNotification(order.OutTradeNo);

        var first = AssertVerified(Provider.VerifyNotification(notification));
        var again = AssertVerified(Provider.VerifyNotification(notification));

        Assert.Equal(first, again);
    }

    [Fact]
    public async Task A_refund_notification_names_our_out_request_no_and_a_succeeded_refund()
    {
        var order = await alipay.PaidOrderAsync(1000, Ct);
        var refundNo = order.OutTradeNo + "-r1";
        await Provider.RefundAsync(new RefundRequest(order.OutTradeNo, refundNo, 1000, 1000, ""), Ct);

        var n = AssertVerified(Provider.VerifyNotification(Gateway.BuildNotification(order.OutTradeNo, refundOf: refundNo)));

        Assert.Equal((NotificationKind.Refund, refundNo, RefundState.Succeeded), (n.Kind, n.OutRefundNo, n.RefundState));
        Assert.Equal((TradeState.Refunded, 1000L), (n.State, n.AmountFen));
    }

    [Fact]
    public async Task A_notification_in_gbk_is_decoded_and_verified_in_gbk()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);

        var notification = Gateway.BuildNotification(order.OutTradeNo, charset: "gbk");

        Assert.Contains("charset=gbk", notification.Body, StringComparison.Ordinal);
        Assert.Equal(order.OutTradeNo, AssertVerified(Provider.VerifyNotification(notification)).OutTradeNo);
    }

    [Fact]
    public async Task A_forged_signature_is_rejected()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);
        using var forger = RSA.Create(2048);
        var fields = ParseBody(genuine.Body);
        fields["sign"] = AlipaySignature.Sign(AlipaySignature.NotificationSignContent(fields), forger);

        var reason = AssertRejected(Provider.VerifyNotification(WithBody(genuine, AlipayForm.Encode(fields))));

        Assert.Contains("signature does not verify", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lowered_amount_breaks_the_signature()
    {
        var order = await alipay.PaidOrderAsync(1234, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);
        var tampered = genuine.Body.Replace("total_amount=12.34", "total_amount=0.01", StringComparison.Ordinal);
        Assert.NotEqual(genuine.Body, tampered);

        var reason = AssertRejected(Provider.VerifyNotification(WithBody(genuine, tampered)));

        Assert.Contains("signature does not verify", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_unsigned_copy_of_a_field_is_rejected()
    {
        var order = await alipay.PaidOrderAsync(1234, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);

        var reason = AssertRejected(Provider.VerifyNotification(WithBody(genuine, genuine.Body + "&total_amount=0.01")));

        Assert.Contains("total_amount", reason, StringComparison.Ordinal);
        Assert.Contains("more than once", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_alipay_signed_for_another_app_is_rejected_naming_the_app_id()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);
        var foreign = Gateway.BuildNotification(order.OutTradeNo, overrides: new Dictionary<string, string> { ["app_id"] = "2021009999999999" });

        var reason = AssertRejected(Provider.VerifyNotification(foreign));

        Assert.Contains("app_id \"2021009999999999\" is not ours", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_alipay_signed_for_another_seller_is_rejected_naming_the_seller_id()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);
        var foreign = Gateway.BuildNotification(order.OutTradeNo, overrides: new Dictionary<string, string> { ["seller_id"] = "2088999999999999" });

        var reason = AssertRejected(Provider.VerifyNotification(foreign));

        Assert.Contains("seller_id \"2088999999999999\" is not ours", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_without_a_sign_is_rejected()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);
        var fields = ParseBody(genuine.Body);
        fields.Remove("sign");

        var reason = AssertRejected(Provider.VerifyNotification(WithBody(genuine, AlipayForm.Encode(fields))));

        Assert.Contains("no sign", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_claiming_another_sign_type_is_rejected()
    {
        var order = await alipay.PaidOrderAsync(500, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);

        var reason = AssertRejected(Provider.VerifyNotification(WithBody(genuine, genuine.Body.Replace("sign_type=RSA2", "sign_type=RSA", StringComparison.Ordinal))));

        Assert.Contains("sign_type", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("%")]
    [InlineData("a=%zz&sign=x")]
    [InlineData("a=%C3%28&sign=x")] // invalid UTF-8
    [InlineData("==&&")]
    [InlineData("charset=klingon&sign=x&sign_type=RSA2")]
    [InlineData("sign=abc&sign=def")]
    [InlineData("{\"json\":\"instead of a form\"}")]
    public void Garbage_is_rejected_never_thrown(string body)
    {
        var check = Provider.VerifyNotification(new ReceivedNotification(new Dictionary<string, string>(), body));

        Assert.False(string.IsNullOrWhiteSpace(AssertRejected(check)));
    }

    [Fact]
    public async Task Over_http_the_gateways_notification_is_acknowledged_with_success_and_a_forgery_is_not()
    {
        var order = await alipay.PaidOrderAsync(600, Ct);
        var genuine = Gateway.BuildNotification(order.OutTradeNo);
        await using var endpoint = await NotifyEndpointAsync(Provider);

        Assert.True(await FakeAlipay.PostNotificationAsync(endpoint.Url, genuine, Ct));
        Assert.True(await FakeAlipay.PostNotificationAsync(endpoint.Url, genuine, Ct)); // Alipay retries; still success
        Assert.False(await FakeAlipay.PostNotificationAsync(endpoint.Url,
            WithBody(genuine, genuine.Body.Replace("total_amount=6.00", "total_amount=0.06", StringComparison.Ordinal)), Ct));
        Assert.Equal(2, endpoint.Verified.Count);
    }

    private static Dictionary<string, string> ParseBody(string body)
    {
        Assert.True(AlipayForm.TryDecode(body, out var fields, out _, out var problem), problem);
        return new Dictionary<string, string>(fields);
    }

    /// <summary>A stand-in for our notify endpoint: "success" for a verified notification, as Alipay requires, else "failure".</summary>
    private static async Task<NotifyEndpoint> NotifyEndpointAsync(AlipayPaymentProvider provider)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var verified = new List<PaymentNotification>();
        app.MapPost("/alipay/notify", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var check = provider.VerifyNotification(new ReceivedNotification(
                request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), await reader.ReadToEndAsync()));
            if (check is NotificationCheck.Verified v)
            {
                lock (verified)
                {
                    verified.Add(v.Notification);
                }
                return Results.Text("success");
            }
            return Results.Text("failure");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new NotifyEndpoint(app, new Uri(address + "/alipay/notify"), verified);
    }

    private sealed record NotifyEndpoint(WebApplication App, Uri Url, List<PaymentNotification> Verified) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
