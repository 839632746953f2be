using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing.WeChatPay;

/// <summary>
/// Payment and refund notifications from the fake (encrypted under a 32-byte APIv3 key, signed by either platform
/// key) are verified and read; every forged, stale, altered or foreign one is a rejection with its reason.
/// </summary>
public sealed class WeChatPayNotificationTests : IAsyncLifetime
{
    private WeChatPayHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _harness = await WeChatPayHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData(PlatformKeyMode.Certificate)]
    [InlineData(PlatformKeyMode.PublicKey)]
    public async Task Payment_notification_signed_by_either_platform_key_verifies_and_reports_the_payment(PlatformKeyMode mode)
    {
        var outTradeNo = await PaidOrderAsync(2_990);
        var trade = await _harness.Provider.QueryOrderAsync(outTradeNo, Ct);

        var check = _harness.Provider.VerifyNotification(_harness.Fake.BuildNotification(outTradeNo, mode));

        var payment = Assert.IsType<NotificationCheck.Verified>(check).Notification;
        Assert.Equal(NotificationKind.Payment, payment.Kind);
        Assert.Equal(outTradeNo, payment.OutTradeNo);
        Assert.Equal(trade.ProviderTradeNo, payment.ProviderTradeNo);
        Assert.Equal(TradeState.Paid, payment.State);
        Assert.Equal(2_990, payment.AmountFen);
        Assert.Equal(_harness.Time.GetUtcNow(), payment.PaidAt);
        Assert.False(string.IsNullOrEmpty(payment.EventId));
    }

    [Fact]
    public async Task The_same_notification_delivered_twice_verifies_twice_with_the_same_event_id()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));

        var first = Assert.IsType<NotificationCheck.Verified>(_harness.Provider.VerifyNotification(notification));
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        var second = Assert.IsType<NotificationCheck.Verified>(_harness.Provider.VerifyNotification(notification));

        Assert.Equal(first.Notification, second.Notification);
    }

    [Theory]
    [InlineData("SUCCESS", RefundState.Succeeded, TradeState.Refunded)]
    [InlineData("ABNORMAL", RefundState.Failed, TradeState.Paid)]
    [InlineData("CLOSED", RefundState.Failed, TradeState.Paid)]
    public async Task Refund_notification_reports_how_the_refund_ended(string status, RefundState refundState, TradeState tradeState)
    {
        var outTradeNo = await PaidOrderAsync(5_000);
        var outRefundNo = "R" + outTradeNo;
        await _harness.Provider.RefundAsync(new RefundRequest(outTradeNo, outRefundNo, 1_200, 5_000, "不想要了"), Ct);
        _harness.Fake.SettleRefund(outRefundNo, status);

        var check = _harness.Provider.VerifyNotification(_harness.Fake.BuildRefundNotification(outRefundNo, PlatformKeyMode.PublicKey));

        var refund = Assert.IsType<NotificationCheck.Verified>(check).Notification;
        Assert.Equal(NotificationKind.Refund, refund.Kind);
        Assert.Equal(outTradeNo, refund.OutTradeNo);
        Assert.Equal(outRefundNo, refund.OutRefundNo);
        Assert.Equal(refundState, refund.RefundState);
        Assert.Equal(tradeState, refund.State);
        Assert.Equal(1_200, refund.AmountFen);
    }

    [Fact]
    public async Task Notification_signed_by_another_key_under_the_platform_serial_is_rejected()
    {
        var genuine = _harness.Fake.BuildNotification(await PaidOrderAsync(100));
        using var impostor = RSA.Create(2048);
        var message = WeChatPaySignature.ResponseMessage(genuine.Headers["wechatpay-timestamp"], genuine.Headers["wechatpay-nonce"],
            Encoding.UTF8.GetBytes(genuine.Body));
        var forged = WithHeader(genuine, "wechatpay-signature",
            Convert.ToBase64String(impostor.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));

        AssertRejected(forged, "does not verify");
    }

    [Theory]
    [InlineData(-6, false)]
    [InlineData(6, false)]
    [InlineData(-4, true)]
    public async Task Notification_timestamp_must_be_within_five_minutes_of_our_clock(int minutes, bool accepted)
    {
        var outTradeNo = await PaidOrderAsync(100);
        var resource = _harness.Fake.PaymentResource(outTradeNo).ToJsonString();

        var notification = _harness.Fake.Seal("TRANSACTION.SUCCESS", resource, timestamp: _harness.Time.GetUtcNow().AddMinutes(minutes));

        if (accepted)
        {
            Assert.IsType<NotificationCheck.Verified>(_harness.Provider.VerifyNotification(notification));
        }
        else
        {
            AssertRejected(notification, "window");
        }
    }

    [Theory]
    [InlineData("0123456789ABCDEF", "not one of our platform certificates")]
    [InlineData("PUB_KEY_ID_0119000001092026030100000000000099", "not our platform public key id")]
    public async Task Notification_under_a_serial_we_do_not_know_is_rejected(string serial, string reason)
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));

        AssertRejected(WithHeader(notification, "wechatpay-serial", serial), reason);
    }

    [Fact]
    public async Task Notification_signed_by_the_certificate_key_but_claiming_the_public_key_id_is_rejected()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100), PlatformKeyMode.Certificate);

        AssertRejected(WithHeader(notification, "wechatpay-serial", FakeWeChatPay.PublicKeyId), "does not verify");
    }

    [Fact]
    public async Task Public_key_notification_is_rejected_by_a_merchant_that_trusts_only_certificates()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100), PlatformKeyMode.PublicKey);
        var certificatesOnly = _harness.ProviderWith(o => (o.PlatformPublicKeyId, o.PlatformPublicKeyPem) = (null, null));

        var rejected = Assert.IsType<NotificationCheck.Rejected>(certificatesOnly.VerifyNotification(notification));
        Assert.Contains("not our platform public key id", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notification_whose_body_changed_after_signing_is_rejected()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));
        var body = JsonNode.Parse(notification.Body)!;
        body["event_type"] = "REFUND.SUCCESS";

        AssertRejected(notification with { Body = body.ToJsonString() }, "does not verify");
    }

    [Fact]
    public async Task Notification_whose_ciphertext_was_altered_and_then_properly_signed_fails_decryption()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));
        var body = JsonNode.Parse(notification.Body)!;
        var ciphertext = Convert.FromBase64String(body["resource"]!["ciphertext"]!.GetValue<string>());
        ciphertext[3] ^= 0x01;
        body["resource"]!["ciphertext"] = Convert.ToBase64String(ciphertext);

        // The signature holds (the platform signed the altered body); only the AEAD tag can notice.
        AssertRejected(_harness.Fake.SignNotification(body.ToJsonString()), "does not decrypt");
    }

    [Fact]
    public async Task Notification_encrypted_under_another_apiv3_key_fails_decryption()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));
        var otherKey = _harness.ProviderWith(o => o.ApiV3Key = "vutsrqponmlkjihgfedcba9876543210");

        var rejected = Assert.IsType<NotificationCheck.Rejected>(otherKey.VerifyNotification(notification));
        Assert.Contains("does not decrypt", rejected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mchid", "1900000999")]
    [InlineData("appid", "wxsomeoneelse0001")]
    public async Task Payment_for_another_merchant_or_app_is_rejected(string field, string value)
    {
        var resource = _harness.Fake.PaymentResource(await PaidOrderAsync(100));
        resource[field] = value;

        AssertRejected(_harness.Fake.Seal("TRANSACTION.SUCCESS", resource.ToJsonString()), $"{field} {value}, not ours");
    }

    [Fact]
    public async Task Refund_for_another_merchant_is_rejected()
    {
        var outTradeNo = await PaidOrderAsync(100);
        await _harness.Provider.RefundAsync(new RefundRequest(outTradeNo, "R" + outTradeNo, 100, 100, ""), Ct);
        _harness.Fake.SettleRefund("R" + outTradeNo);
        var resource = _harness.Fake.RefundResource("R" + outTradeNo);
        resource["mchid"] = "1900000999";

        AssertRejected(_harness.Fake.Seal("REFUND.SUCCESS", resource.ToJsonString()), "mchid 1900000999, not ours");
    }

    [Fact]
    public async Task Notification_without_its_signature_header_is_rejected()
    {
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));
        var headers = notification.Headers.Where(h => h.Key != "wechatpay-signature").ToDictionary();

        AssertRejected(notification with { Headers = headers }, "missing");
    }

    [Fact]
    public async Task Wechat_pay_signature_probe_is_rejected_without_an_exception()
    {
        // WeChat Pay sometimes sends a deliberately invalid signature to check that merchants verify at all.
        var notification = _harness.Fake.BuildNotification(await PaidOrderAsync(100));

        AssertRejected(WithHeader(notification, "wechatpay-signature", "WECHATPAY/SIGNTEST/" + notification.Headers["wechatpay-signature"]),
            "does not verify");
    }

    [Fact]
    public void Signed_body_that_is_not_json_is_rejected_without_an_exception()
    {
        AssertRejected(_harness.Fake.SignNotification("this is not json"), "not a notification");
    }

    [Fact]
    public void Signed_and_encrypted_resource_that_is_not_json_is_rejected_without_an_exception()
    {
        AssertRejected(_harness.Fake.Seal("TRANSACTION.SUCCESS", "{\"mchid\":"), "not the JSON expected");
    }

    [Fact]
    public void Aes_256_gcm_resource_under_a_32_byte_key_round_trips()
    {
        var key = Encoding.UTF8.GetBytes(WeChatPayHarness.ApiV3Key);
        Assert.Equal(32, key.Length);
        const string Plaintext = "{\"out_trade_no\":\"T20260301\",\"summary\":\"支付成功\"}";
        var nonce = "0123456789ab";
        var sealedBytes = new byte[Encoding.UTF8.GetByteCount(Plaintext) + 16];
        using (var aes = new AesGcm(key, 16))
        {
            var plaintext = Encoding.UTF8.GetBytes(Plaintext);
            aes.Encrypt(Encoding.UTF8.GetBytes(nonce), plaintext, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length),
                Encoding.UTF8.GetBytes("transaction"));
        }

        Assert.Equal(Plaintext, WeChatPayAead.Decrypt(key, nonce, "transaction", Convert.ToBase64String(sealedBytes)));
        Assert.ThrowsAny<CryptographicException>(() =>
            WeChatPayAead.Decrypt(Encoding.UTF8.GetBytes("vutsrqponmlkjihgfedcba9876543210"), nonce, "transaction", Convert.ToBase64String(sealedBytes)));
    }

    private async Task<string> PaidOrderAsync(long amountFen)
    {
        var outTradeNo = "T" + Guid.NewGuid().ToString("N")[..20];
        await _harness.Provider.CreateOrderAsync(new OrderRequest(outTradeNo, amountFen, "BioAiSaaS 积分", _harness.Time.GetUtcNow().AddHours(2)), Ct);
        _harness.Fake.Pay(outTradeNo);
        return outTradeNo;
    }

    private void AssertRejected(ReceivedNotification notification, string reason)
    {
        var rejected = Assert.IsType<NotificationCheck.Rejected>(_harness.Provider.VerifyNotification(notification));
        Assert.Contains(reason, rejected.Reason, StringComparison.Ordinal);
    }

    private static ReceivedNotification WithHeader(ReceivedNotification notification, string name, string value) =>
        notification with { Headers = new Dictionary<string, string>(notification.Headers) { [name] = value } };
}
