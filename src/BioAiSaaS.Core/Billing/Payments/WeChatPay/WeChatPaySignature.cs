using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>
/// The <c>WECHATPAY2-SHA256-RSA2048</c> scheme: SHA256withRSA (PKCS#1 v1.5), Base64. Requests are signed over
/// <c>METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n</c>; responses and notifications over <c>TIMESTAMP\nNONCE\nBODY\n</c>.
/// </summary>
public static class WeChatPaySignature
{
    public const string Scheme = "WECHATPAY2-SHA256-RSA2048";

    private const string NonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Signs <paramref name="message"/>'s UTF-8 bytes.</summary>
    public static string Sign(RSA privateKey, string message) =>
        Convert.ToBase64String(privateKey.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>False for a wrong signature and for one that is not even Base64 (WeChat Pay's own
    /// <c>WECHATPAY/SIGNTEST/…</c> probes, which check that merchants do verify, are of that kind).</summary>
    public static bool Verify(RSA publicKey, ReadOnlySpan<byte> message, string signatureBase64)
    {
        var signature = new byte[signatureBase64.Length];
        return Convert.TryFromBase64String(signatureBase64, signature, out var length)
            && publicKey.VerifyData(message, signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>What a request signature covers; <paramref name="canonicalUrl"/> is the path with its query string,
    /// <paramref name="body"/> empty for a GET.</summary>
    public static string RequestMessage(string method, string canonicalUrl, string timestamp, string nonce, string body) =>
        $"{method}\n{canonicalUrl}\n{timestamp}\n{nonce}\n{body}\n";

    /// <summary>What a response or notification signature covers: the body's bytes exactly as they arrived.</summary>
    public static byte[] ResponseMessage(string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var head = Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n");
        var message = new byte[head.Length + body.Length + 1];
        head.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(head.Length));
        message[^1] = (byte)'\n';
        return message;
    }

    /// <summary>The <c>Authorization</c> header of a request, signed with the merchant key.</summary>
    public static AuthenticationHeaderValue Authorization(RSA merchantKey, string mchId, string serialNo, string method,
        string canonicalUrl, DateTimeOffset now, string body)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = NewNonce();
        var signature = Sign(merchantKey, RequestMessage(method, canonicalUrl, timestamp, nonce, body));
        return new AuthenticationHeaderValue(Scheme,
            $"mchid=\"{mchId}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serialNo}\"");
    }

    /// <summary>32 random letters and digits: the nonce keeps two requests in the same second distinct.</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString(NonceAlphabet, 32);
}
