using System.Security.Cryptography;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>
/// A real notification signed by Alipay, from the official Node.js SDK's test suite (alipay/alipay-sdk-nodejs-all@e167639,
/// test/alipay.test.ts, "verify sign should delete sign_type"; shared as /work/shared/test-vectors/payments.json).
/// It belongs to another app, so our client is configured as that app to verify it in full; the id checks are then
/// shown by configuring ourselves as someone else.
/// </summary>
public sealed class AlipayOfficialVectorTests
{
    private const string AlipayPublicKey =
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4t"
        + "P5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1"
        + "LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";

    private const string VectorAppId = "2019073166072302";
    private const string VectorSellerId = "2088531891668739";

    private static readonly Dictionary<string, string> Params = new()
    {
        ["gmt_create"] = "2019-08-15 15:56:22",
        ["charset"] = "utf-8",
        ["seller_email"] = "z97-yuquerevenue@service.aliyun.com",
        ["subject"] = "语雀空间 500人规模",
        ["sign"] = "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm"
            + "8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9"
            + "CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==",
        ["buyer_id"] = "2088102534368455",
        ["invoice_amount"] = "0.10",
        ["notify_id"] = "2019081500222155624068450559358070",
        ["notify_type"] = "trade_status_sync",
        ["trade_status"] = "TRADE_SUCCESS",
        ["receipt_amount"] = "0.10",
        ["buyer_pay_amount"] = "0.10",
        ["sign_type"] = "RSA2",
        ["app_id"] = VectorAppId,
        ["seller_id"] = VectorSellerId,
        ["gmt_payment"] = "2019-08-15 15:56:24",
        ["notify_time"] = "2019-08-15 15:56:25",
        ["version"] = "1.0",
        ["out_trade_no"] = "20190815155618536-564-57",
        ["total_amount"] = "0.10",
        ["trade_no"] = "2019081522001468450512505578",
        ["auth_app_id"] = VectorAppId,
        ["buyer_logon_id"] = "xud***@126.com",
        ["point_amount"] = "0.00",
        ["fund_bill_list"] = "[{\"amount\":\"0.10\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
    };

    private static readonly string AppPrivateKeyPem = CreateAppKey();

    private static ReceivedNotification Notification(IReadOnlyDictionary<string, string> fields) =>
        new(new Dictionary<string, string> { ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8" },
            AlipayForm.Encode(fields));

    private static NotificationCheck VerifyAs(string appId, string? sellerId, IReadOnlyDictionary<string, string>? fields = null)
    {
        using var account = AlipayAccount.Create(new AlipayOptions
        {
            AppId = appId,
            SellerId = sellerId,
            AppPrivateKeyPem = AppPrivateKeyPem,
            AlipayPublicKey = AlipayPublicKey,
            NotifyUrl = new Uri("https://bioaisaas.example/api/billing/alipay/notify"),
        });
        using var http = new HttpClient();
        var provider = new AlipayPaymentProvider(http, account, TimeProvider.System, NullLogger<AlipayPaymentProvider>.Instance);
        return provider.VerifyNotification(Notification(fields ?? Params));
    }

    [Fact]
    public void The_vector_verifies_only_when_both_sign_and_sign_type_are_left_out()
    {
        using var alipay = AlipayKeys.ImportPublicKey(AlipayPublicKey);

        Assert.True(AlipaySignature.Verify(AlipaySignature.NotificationSignContent(Params), Params["sign"], alipay));
        Assert.False(AlipaySignature.Verify(AlipaySignature.RequestSignContent(Params), Params["sign"], alipay));
    }

    [Fact]
    public void For_its_own_app_and_seller_the_vector_is_verified_with_its_facts()
    {
        var check = VerifyAs(VectorAppId, VectorSellerId);

        var verified = Assert.IsType<NotificationCheck.Verified>(check);
        var n = verified.Notification;
        Assert.Equal(NotificationKind.Payment, n.Kind);
        Assert.Equal("2019081500222155624068450559358070", n.EventId);
        Assert.Equal("20190815155618536-564-57", n.OutTradeNo);
        Assert.Equal("2019081522001468450512505578", n.ProviderTradeNo);
        Assert.Equal(TradeState.Paid, n.State);
        Assert.Equal(10, n.AmountFen);
        Assert.Equal(new DateTimeOffset(2019, 8, 15, 15, 56, 24, TimeSpan.FromHours(8)), n.PaidAt);
        Assert.Null(n.OutRefundNo);
    }

    [Fact]
    public void Without_a_seller_id_configured_only_the_app_id_is_checked() =>
        Assert.IsType<NotificationCheck.Verified>(VerifyAs(VectorAppId, sellerId: null));

    [Fact]
    public void Validly_signed_but_for_another_app_it_is_rejected_naming_the_app_id()
    {
        var rejected = Assert.IsType<NotificationCheck.Rejected>(VerifyAs("2021000000000001", sellerId: null));

        Assert.Contains("app_id", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains(VectorAppId, rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validly_signed_but_for_another_seller_it_is_rejected_naming_the_seller_id()
    {
        var rejected = Assert.IsType<NotificationCheck.Rejected>(VerifyAs(VectorAppId, "2088000000000001"));

        Assert.Contains("seller_id", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_changed_character_breaks_the_vectors_signature()
    {
        var tampered = new Dictionary<string, string>(Params) { ["total_amount"] = "0.11" };

        var rejected = Assert.IsType<NotificationCheck.Rejected>(VerifyAs(VectorAppId, VectorSellerId, tampered));

        Assert.Contains("signature", rejected.Reason, StringComparison.Ordinal);
    }

    private static string CreateAppKey()
    {
        using var key = RSA.Create(2048);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
