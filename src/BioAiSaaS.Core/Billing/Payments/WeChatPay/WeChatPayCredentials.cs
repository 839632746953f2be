using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>
/// The keys of validated <see cref="WeChatPayOptions"/>, parsed once: the merchant key that signs requests, the APIv3
/// key that opens notification resources, and the platform keys that verify what WeChat Pay signs, found by the
/// <c>Wechatpay-Serial</c> header: a <c>PUB_KEY_ID_…</c> value names the public key, anything else a certificate.
/// </summary>
public sealed class WeChatPayCredentials : IDisposable
{
    private readonly Dictionary<string, (X509Certificate2 Certificate, RSA Key)> _certificates = new(StringComparer.OrdinalIgnoreCase);
    private readonly RSA? _publicKey;

    public WeChatPayCredentials(WeChatPayOptions options)
    {
        if (!options.IsConfigured)
        {
            throw new InvalidOperationException($"{WeChatPayOptions.Section} is not configured.");
        }
        Options = options;
        MerchantKey = RSA.Create();
        MerchantKey.ImportFromPem(options.MerchantPrivateKeyPem);
        ApiV3Key = Encoding.UTF8.GetBytes(options.ApiV3Key!);
        foreach (var pem in options.PlatformCertificates)
        {
            var certificate = X509Certificate2.CreateFromPem(pem);
            _certificates[NormalizeSerial(certificate.SerialNumber)] = (certificate, certificate.GetRSAPublicKey()!);
        }
        if (!string.IsNullOrWhiteSpace(options.PlatformPublicKeyId))
        {
            _publicKey = RSA.Create();
            _publicKey.ImportFromPem(options.PlatformPublicKeyPem);
        }
    }

    public WeChatPayOptions Options { get; }

    public RSA MerchantKey { get; }

    public ReadOnlyMemory<byte> ApiV3Key { get; }

    /// <summary>
    /// Checks a platform signature and its timestamp: null when it holds, otherwise why not (for the log or the
    /// exception). The timestamp window is what makes a captured message useless for a replay later.
    /// </summary>
    public string? CheckPlatformSignature(string serial, string timestamp, string nonce, string signature, ReadOnlySpan<byte> body,
        DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return $"Wechatpay-Timestamp '{Truncate(timestamp)}' is not a Unix time.";
        }
        var skew = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799));
        if (skew.Duration() > Options.NotificationTolerance)
        {
            return $"Wechatpay-Timestamp is {skew.TotalSeconds:0} s from our clock, outside the {Options.NotificationTolerance.TotalSeconds:0} s window.";
        }
        var key = FindPlatformKey(serial, now, out var problem);
        if (key is null)
        {
            return problem;
        }
        return WeChatPaySignature.Verify(key, WeChatPaySignature.ResponseMessage(timestamp, nonce, body), signature)
            ? null
            : $"Wechatpay-Signature does not verify with the platform key {Truncate(serial)}.";
    }

    private RSA? FindPlatformKey(string serial, DateTimeOffset now, out string? problem)
    {
        problem = null;
        if (serial.StartsWith(WeChatPayOptions.PublicKeyIdPrefix, StringComparison.Ordinal))
        {
            if (_publicKey is not null && serial == Options.PlatformPublicKeyId)
            {
                return _publicKey;
            }
            problem = $"Wechatpay-Serial {Truncate(serial)} is not our platform public key id.";
            return null;
        }
        if (!_certificates.TryGetValue(NormalizeSerial(serial), out var entry))
        {
            problem = $"Wechatpay-Serial {Truncate(serial)} is not one of our platform certificates.";
            return null;
        }
        var (certificate, key) = entry;
        if (now < new DateTimeOffset(certificate.NotBefore) || now > new DateTimeOffset(certificate.NotAfter))
        {
            problem = $"The platform certificate {Truncate(serial)} is not valid now ({certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}).";
            return null;
        }
        return key;
    }

    // X.509 keeps a leading zero byte when the serial's top bit is set (00D7CE…); WeChat Pay writes it without.
    private static string NormalizeSerial(string serial) => serial.TrimStart('0');

    // Header values come from the network: keep what reaches a log short.
    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    public void Dispose()
    {
        MerchantKey.Dispose();
        _publicKey?.Dispose();
        foreach (var (certificate, key) in _certificates.Values)
        {
            key.Dispose();
            certificate.Dispose();
        }
    }
}
