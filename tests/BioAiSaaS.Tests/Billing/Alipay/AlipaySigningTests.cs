using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Core.Billing.Payments.Alipay;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>RSA2 as Alipay defines it: what the signed string is made of, the algorithm, and the key shapes we read.</summary>
public sealed class AlipaySigningTests
{
    private static readonly RSA Key = RSA.Create(2048);

    private static readonly Dictionary<string, string> RequestParameters = new()
    {
        ["method"] = "alipay.trade.precreate",
        ["app_id"] = "2021000000000001",
        ["sign"] = "must-not-be-signed",
        ["sign_type"] = "RSA2",
        ["notify_url"] = "",
        ["biz_content"] = "{\"subject\":\"专业版 a&b=c\",\"total_amount\":\"12.34\"}",
        ["Zeta"] = "upper-case sorts first",
        ["charset"] = "utf-8",
        ["timestamp"] = "2026-03-02 00:30:05",
    };

    [Fact]
    public void Request_sign_content_is_sorted_ordinally_raw_and_keeps_sign_type_but_not_sign_or_empty_values() =>
        Assert.Equal(
            "Zeta=upper-case sorts first&app_id=2021000000000001&biz_content={\"subject\":\"专业版 a&b=c\",\"total_amount\":\"12.34\"}"
            + "&charset=utf-8&method=alipay.trade.precreate&sign_type=RSA2&timestamp=2026-03-02 00:30:05",
            AlipaySignature.RequestSignContent(RequestParameters));

    [Fact]
    public void Notification_sign_content_leaves_out_sign_type_as_well_as_sign()
    {
        var content = AlipaySignature.NotificationSignContent(RequestParameters);

        Assert.DoesNotContain("sign_type", content, StringComparison.Ordinal);
        Assert.DoesNotContain("must-not-be-signed", content, StringComparison.Ordinal);
        Assert.Equal(AlipaySignature.RequestSignContent(RequestParameters).Replace("&sign_type=RSA2", "", StringComparison.Ordinal), content);
    }

    [Fact]
    public void The_signature_is_sha256_with_rsa_pkcs1_v15_over_the_utf8_bytes_in_base64()
    {
        var content = AlipaySignature.RequestSignContent(RequestParameters);

        var signature = AlipaySignature.Sign(content, Key);

        Assert.True(Key.VerifyData(Encoding.UTF8.GetBytes(content), Convert.FromBase64String(signature), HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1));
        Assert.Equal(signature, AlipaySignature.Sign(content, Key)); // PKCS#1 v1.5 is deterministic
        Assert.True(AlipaySignature.Verify(content, signature, Key));
        Assert.False(AlipaySignature.Verify(content + " ", signature, Key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("AAAA")]
    public void Verifying_a_malformed_signature_is_false_not_an_exception(string signature) =>
        Assert.False(AlipaySignature.Verify("content", signature, Key));

    [Theory]
    [InlineData("pkcs8-pem")]
    [InlineData("pkcs1-pem")]
    [InlineData("pkcs8-base64")]
    [InlineData("pkcs1-base64")]
    [InlineData("pkcs8-pem-escaped-newlines")]
    public void The_app_private_key_is_read_in_every_shape_alipay_hands_out(string shape)
    {
        var text = shape switch
        {
            "pkcs8-pem" => Key.ExportPkcs8PrivateKeyPem(),
            "pkcs1-pem" => Key.ExportRSAPrivateKeyPem(),
            "pkcs8-base64" => Convert.ToBase64String(Key.ExportPkcs8PrivateKey()),
            "pkcs1-base64" => Convert.ToBase64String(Key.ExportRSAPrivateKey()),
            _ => Key.ExportPkcs8PrivateKeyPem().Replace("\n", "\\n", StringComparison.Ordinal),
        };

        using var imported = AlipayKeys.ImportPrivateKey(text);

        Assert.True(AlipaySignature.Verify("x", AlipaySignature.Sign("x", imported), Key));
    }

    [Theory]
    [InlineData("spki-pem")]
    [InlineData("pkcs1-pem")]
    [InlineData("spki-base64")]
    [InlineData("pkcs1-base64")]
    public void Alipays_public_key_is_read_in_every_shape(string shape)
    {
        var text = shape switch
        {
            "spki-pem" => Key.ExportSubjectPublicKeyInfoPem(),
            "pkcs1-pem" => Key.ExportRSAPublicKeyPem(),
            "spki-base64" => Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo()),
            _ => Convert.ToBase64String(Key.ExportRSAPublicKey()),
        };

        using var imported = AlipayKeys.ImportPublicKey(text);

        Assert.True(AlipaySignature.Verify("x", AlipaySignature.Sign("x", Key), imported));
    }

    [Fact]
    public void A_public_key_is_not_a_private_key_and_the_error_does_not_quote_it()
    {
        var publicPem = Key.ExportSubjectPublicKeyInfoPem();

        var error = Assert.Throws<FormatException>(() => AlipayKeys.ImportPrivateKey(publicPem));

        Assert.Contains("private key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(publicPem.Split('\n')[1], error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")]
    public void Garbage_is_not_a_key(string text)
    {
        Assert.Throws<FormatException>(() => AlipayKeys.ImportPrivateKey(text));
        Assert.Throws<FormatException>(() => AlipayKeys.ImportPublicKey(text));
    }

    [Fact]
    public void A_1024_bit_key_is_too_short_for_rsa2()
    {
        using var shortKey = RSA.Create(1024);

        var error = Assert.Throws<FormatException>(() => AlipayKeys.ImportPrivateKey(shortKey.ExportPkcs8PrivateKeyPem()));

        Assert.Contains("1024 bits", error.Message, StringComparison.Ordinal);
    }
}
