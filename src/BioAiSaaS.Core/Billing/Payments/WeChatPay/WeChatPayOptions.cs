using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>
/// WeChat Pay API v3 as a direct merchant (<c>Payments:WeChatPay</c>), validated at start-up. WeChat Pay is on when
/// any of the merchant settings is given; then all of them are required. Responses and notifications are verified
/// with the platform certificates, the platform public key (<c>PUB_KEY_ID_…</c>), or both during a migration from
/// one to the other: the <c>Wechatpay-Serial</c> header says which. The private key and the APIv3 key are secrets
/// (user-secrets or a vault); validation messages name settings, never their values.
/// </summary>
public sealed class WeChatPayOptions : IValidatableObject
{
    public const string Section = "Payments:WeChatPay";

    /// <summary>The prefix WeChat Pay gives public-key ids, and so the <c>Wechatpay-Serial</c> values that select the public key.</summary>
    public const string PublicKeyIdPrefix = "PUB_KEY_ID_";

    /// <summary>The API host (api2.mch.weixin.qq.com is WeChat Pay's backup); the client appends absolute /v3/… paths.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.mch.weixin.qq.com");

    /// <summary>商户号: the merchant id.</summary>
    public string? MchId { get; set; }

    /// <summary>The app id (official account, mini program or website app) bound to <see cref="MchId"/>.</summary>
    public string? AppId { get; set; }

    /// <summary>The serial number of the merchant API certificate whose private key signs our requests.</summary>
    public string? MerchantSerialNo { get; set; }

    /// <summary>A secret: the merchant API private key, PEM (PKCS#8 <c>BEGIN PRIVATE KEY</c>, as WeChat Pay issues it).</summary>
    public string? MerchantPrivateKeyPem { get; set; }

    /// <summary>A secret: the APIv3 key that encrypts notification resources. WeChat Pay issues 32 characters
    /// (AES-256-GCM); 16 and 24 are accepted because the length belongs to the key, not to the protocol.</summary>
    public string? ApiV3Key { get; set; }

    /// <summary>Where WeChat Pay posts payment and refund notifications: absolute, without a query string.</summary>
    public Uri? NotifyUrl { get; set; }

    /// <summary>Platform certificates (PEM), each found by its own serial number.</summary>
    public IList<string> PlatformCertificates { get; } = new List<string>();

    /// <summary>The platform public key's id, <c>PUB_KEY_ID_…</c>, with <see cref="PlatformPublicKeyPem"/>.</summary>
    public string? PlatformPublicKeyId { get; set; }

    /// <summary>The platform public key, PEM (<c>BEGIN PUBLIC KEY</c>).</summary>
    public string? PlatformPublicKeyPem { get; set; }

    /// <summary>How far a signed timestamp (on a notification or a response) may be from our clock: the replay window.</summary>
    public TimeSpan NotificationTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsConfigured =>
        new[] { MchId, AppId, MerchantSerialNo, MerchantPrivateKeyPem, ApiV3Key }.Any(v => !string.IsNullOrWhiteSpace(v));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }
        foreach (var (value, name) in new[]
                 {
                     (MchId, nameof(MchId)), (AppId, nameof(AppId)), (MerchantSerialNo, nameof(MerchantSerialNo)),
                     (MerchantPrivateKeyPem, nameof(MerchantPrivateKeyPem)), (ApiV3Key, nameof(ApiV3Key)),
                 })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return Error($"{Section}:{name} is required when WeChat Pay is configured.", name);
            }
        }
        if (!string.IsNullOrWhiteSpace(MerchantPrivateKeyPem) && !IsRsaKey(MerchantPrivateKeyPem, requirePrivate: true))
        {
            yield return Error($"{Section}:{nameof(MerchantPrivateKeyPem)} is not an RSA private key in PEM.", nameof(MerchantPrivateKeyPem));
        }
        if (!string.IsNullOrEmpty(ApiV3Key) && Encoding.UTF8.GetByteCount(ApiV3Key) is not (16 or 24 or 32))
        {
            yield return Error($"{Section}:{nameof(ApiV3Key)} must be 32 bytes (16 or 24 for AES-128/192).", nameof(ApiV3Key));
        }
        if (NotifyUrl is null || !NotifyUrl.IsAbsoluteUri || NotifyUrl.Scheme is not ("https" or "http") || NotifyUrl.Query.Length > 0)
        {
            yield return Error($"{Section}:{nameof(NotifyUrl)} must be an absolute http(s) URL without a query string.", nameof(NotifyUrl));
        }
        if (!BaseUrl.IsAbsoluteUri)
        {
            yield return Error($"{Section}:{nameof(BaseUrl)} must be absolute.", nameof(BaseUrl));
        }
        for (var i = 0; i < PlatformCertificates.Count; i++)
        {
            if (!IsRsaCertificate(PlatformCertificates[i]))
            {
                yield return Error($"{Section}:{nameof(PlatformCertificates)}:{i} is not an RSA certificate in PEM.", nameof(PlatformCertificates));
            }
        }
        var hasPublicKeyId = !string.IsNullOrWhiteSpace(PlatformPublicKeyId);
        if (hasPublicKeyId != !string.IsNullOrWhiteSpace(PlatformPublicKeyPem))
        {
            yield return Error($"{Section}:{nameof(PlatformPublicKeyId)} and {nameof(PlatformPublicKeyPem)} go together.",
                nameof(PlatformPublicKeyId), nameof(PlatformPublicKeyPem));
        }
        else if (hasPublicKeyId)
        {
            if (!PlatformPublicKeyId!.StartsWith(PublicKeyIdPrefix, StringComparison.Ordinal))
            {
                yield return Error($"{Section}:{nameof(PlatformPublicKeyId)} starts with {PublicKeyIdPrefix}.", nameof(PlatformPublicKeyId));
            }
            if (!IsRsaKey(PlatformPublicKeyPem!, requirePrivate: false))
            {
                yield return Error($"{Section}:{nameof(PlatformPublicKeyPem)} is not an RSA public key in PEM.", nameof(PlatformPublicKeyPem));
            }
        }
        if (PlatformCertificates.Count == 0 && !hasPublicKeyId)
        {
            yield return Error($"{Section} needs {nameof(PlatformCertificates)} or {nameof(PlatformPublicKeyId)} with {nameof(PlatformPublicKeyPem)}: " +
                "without them no response or notification can be verified.", nameof(PlatformCertificates), nameof(PlatformPublicKeyId));
        }
        if (NotificationTolerance <= TimeSpan.Zero || NotificationTolerance > TimeSpan.FromHours(1))
        {
            yield return Error($"{Section}:{nameof(NotificationTolerance)} must be positive and at most an hour.", nameof(NotificationTolerance));
        }
    }

    /// <summary>Only the non-secret settings, so an options object that reaches a log leaks nothing.</summary>
    public override string ToString() =>
        $"WeChatPay {{ MchId = {MchId}, AppId = {AppId}, MerchantSerialNo = {MerchantSerialNo}, BaseUrl = {BaseUrl}, " +
        $"PlatformCertificates = {PlatformCertificates.Count}, PlatformPublicKeyId = {PlatformPublicKeyId} }}";

    private static ValidationResult Error(string message, params string[] members) => new(message, members);

    // The exception text is dropped on purpose: a parse error must not carry key material into the start-up log.
    private static bool IsRsaKey(string pem, bool requirePrivate)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            if (requirePrivate)
            {
                rsa.ExportParameters(includePrivateParameters: true);
            }
            return true;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    private static bool IsRsaCertificate(string pem)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            using var key = certificate.GetRSAPublicKey();
            return key is not null;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
