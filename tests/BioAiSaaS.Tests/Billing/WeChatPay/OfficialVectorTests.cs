using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using Microsoft.Extensions.Time.Testing;

namespace BioAiSaaS.Tests.Billing.WeChatPay;

/// <summary>The WeChat Pay SDK's own vectors: signing, a real notification's signature and encryption, AES-GCM.</summary>
public sealed class OfficialVectorTests
{
    private static readonly DateTimeOffset VectorTime = DateTimeOffset.FromUnixTimeSeconds(long.Parse(OfficialVectors.NotifyTimestamp,
        System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Merchant_signature_reproduces_the_sdk_vector_byte_for_byte()
    {
        using var key = RSA.Create();
        key.ImportFromPem(OfficialVectors.SignPrivateKeyPem);

        Assert.Equal(OfficialVectors.SignExpectedSignature, WeChatPaySignature.Sign(key, OfficialVectors.SignMessage));
    }

    [Fact]
    public void Request_message_is_method_url_timestamp_nonce_and_body_each_ending_in_a_newline()
    {
        // The example of WeChat Pay's signing guide: a GET has an empty body, and the message still ends "\n\n".
        Assert.Equal("GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n",
            WeChatPaySignature.RequestMessage("GET", "/v3/certificates", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", ""));
        Assert.Equal("POST\n/v3/pay/transactions/native\n1554208460\nN\n{\"a\":1}\n",
            WeChatPaySignature.RequestMessage("POST", "/v3/pay/transactions/native", "1554208460", "N", "{\"a\":1}"));
    }

    [Fact]
    public void Authorization_header_names_merchant_nonce_timestamp_serial_and_a_signature_of_the_request_message()
    {
        using var key = RSA.Create();
        key.ImportFromPem(OfficialVectors.SignPrivateKeyPem);
        var now = new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

        var header = WeChatPaySignature.Authorization(key, "1900000109", "ABCDEF0123", "GET", "/v3/pay/transactions/out-trade-no/T123456?mchid=1900000109",
            now, body: "");

        Assert.Equal("WECHATPAY2-SHA256-RSA2048", header.Scheme);
        var match = Regex.Match(header.Parameter!,
            "^mchid=\"1900000109\",nonce_str=\"(?<nonce>[A-Za-z0-9]{32})\",signature=\"(?<signature>[A-Za-z0-9+/=]+)\",timestamp=\"(?<ts>\\d+)\",serial_no=\"ABCDEF0123\"$");
        Assert.True(match.Success, header.Parameter);
        Assert.Equal(now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups["ts"].Value);
        var message = WeChatPaySignature.RequestMessage("GET", "/v3/pay/transactions/out-trade-no/T123456?mchid=1900000109", match.Groups["ts"].Value,
            match.Groups["nonce"].Value, "");
        Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(message), Convert.FromBase64String(match.Groups["signature"].Value),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Notification_vector_verifies_with_its_certificate_and_decrypts_to_the_expected_plaintext()
    {
        using var credentials = VectorCredentials();
        var verifier = new WeChatPayNotificationVerifier(credentials, new FakeTimeProvider(VectorTime));

        var opened = verifier.TryOpen(VectorNotification(), out var notification, out var rejection);

        Assert.True(opened, rejection);
        Assert.Equal(OfficialVectors.NotifyExpectedPlaintext, notification!.Plaintext);
        Assert.Equal("3119dfba-e649-5eec-ab1e-3412bc4d2e17", notification.Id);
        Assert.Equal("PAYSCORE.USER_OPEN_SERVICE", notification.EventType);
        Assert.Equal(VectorTime, notification.CreateTime);
    }

    [Fact]
    public void Notification_vector_is_found_by_its_serial_although_the_certificate_encodes_it_with_a_leading_zero()
    {
        // The top bit of 0xD7 is set, so DER prefixes a zero byte the Wechatpay-Serial header does not have.
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(OfficialVectors.NotifyPlatformCertificatePem);
        Assert.Equal("00" + OfficialVectors.NotifySerial, certificate.SerialNumber);
        using var credentials = VectorCredentials();

        Assert.True(new WeChatPayNotificationVerifier(credentials, new FakeTimeProvider(VectorTime)).TryOpen(VectorNotification(), out _, out var rejection),
            rejection);
    }

    [Fact]
    public void Notification_vector_passes_every_check_and_is_then_refused_as_an_event_billing_does_not_act_on()
    {
        using var credentials = VectorCredentials();

        var check = new WeChatPayNotificationVerifier(credentials, new FakeTimeProvider(VectorTime)).Verify(VectorNotification());

        var rejected = Assert.IsType<NotificationCheck.Rejected>(check);
        Assert.Contains("PAYSCORE.USER_OPEN_SERVICE", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Notification_vector_six_minutes_after_its_timestamp_is_rejected_as_outside_the_window()
    {
        using var credentials = VectorCredentials();

        var opened = new WeChatPayNotificationVerifier(credentials, new FakeTimeProvider(VectorTime.AddMinutes(6)))
            .TryOpen(VectorNotification(), out _, out var rejection);

        Assert.False(opened);
        Assert.Contains("window", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Notification_vector_with_its_summary_changed_is_rejected_by_the_signature()
    {
        using var credentials = VectorCredentials();
        var altered = VectorNotification() with { Body = OfficialVectors.NotifyBody.Replace("签约成功", "签约失败", StringComparison.Ordinal) };

        var opened = new WeChatPayNotificationVerifier(credentials, new FakeTimeProvider(VectorTime)).TryOpen(altered, out _, out var rejection);

        Assert.False(opened);
        Assert.Contains("does not verify", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Aes_gcm_vector_decrypts_to_hello_world_under_its_16_byte_key()
    {
        var plaintext = WeChatPayAead.Decrypt(Encoding.UTF8.GetBytes(OfficialVectors.AesKey), OfficialVectors.AesNonce,
            OfficialVectors.AesAssociatedData, OfficialVectors.AesCiphertext);

        Assert.Equal(OfficialVectors.AesPlaintext, plaintext);
    }

    [Fact]
    public void Aes_gcm_vector_with_other_associated_data_fails_its_tag()
    {
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayAead.Decrypt(Encoding.UTF8.GetBytes(OfficialVectors.AesKey),
            OfficialVectors.AesNonce, "other associated data", OfficialVectors.AesCiphertext));
    }

    private static ReceivedNotification VectorNotification() => new(new Dictionary<string, string>
    {
        ["wechatpay-timestamp"] = OfficialVectors.NotifyTimestamp,
        ["wechatpay-nonce"] = OfficialVectors.NotifyNonce,
        ["wechatpay-serial"] = OfficialVectors.NotifySerial,
        ["wechatpay-signature"] = OfficialVectors.NotifySignature,
    }, OfficialVectors.NotifyBody);

    // The vector's merchant, as far as it is known: its mchid and appid are in the plaintext, the APIv3 key is given.
    private static WeChatPayCredentials VectorCredentials()
    {
        var options = new WeChatPayOptions
        {
            MchId = "1234567890",
            AppId = "054aa7d7a2a54ab5898df65bd96f001c",
            MerchantSerialNo = "VECTOR",
            MerchantPrivateKeyPem = OfficialVectors.SignPrivateKeyPem,
            ApiV3Key = OfficialVectors.NotifyApiV3Key,
            NotifyUrl = WeChatPayHarness.NotifyUrl,
        };
        options.PlatformCertificates.Add(OfficialVectors.NotifyPlatformCertificatePem);
        return new WeChatPayCredentials(options);
    }
}
