using System.Security.Cryptography;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// The configured app as the client uses it: ids, URLs and the two keys parsed once (a singleton; the typed
/// HTTP client that uses it is transient). Only this type holds the private key, and it only signs.
/// </summary>
public sealed class AlipayAccount : IDisposable
{
    private readonly RSA _appPrivateKey;
    private readonly RSA _alipayPublicKey;

    private AlipayAccount(AlipayOptions options, RSA appPrivateKey, RSA alipayPublicKey)
    {
        AppId = options.AppId!;
        SellerId = string.IsNullOrWhiteSpace(options.SellerId) ? null : options.SellerId;
        GatewayUrl = options.EffectiveGatewayUrl;
        NotifyUrl = options.NotifyUrl;
        ReturnUrl = options.ReturnUrl;
        _appPrivateKey = appPrivateKey;
        _alipayPublicKey = alipayPublicKey;
    }

    public string AppId { get; }
    public string? SellerId { get; }
    public Uri GatewayUrl { get; }
    public Uri? NotifyUrl { get; }
    public Uri? ReturnUrl { get; }

    /// <exception cref="InvalidOperationException">Alipay is not configured.</exception>
    /// <exception cref="FormatException">A key is unreadable (validation at start-up reports this first).</exception>
    public static AlipayAccount Create(AlipayOptions options)
    {
        if (!options.IsConfigured || options.AppPrivateKeyPem is null || options.AlipayPublicKey is null)
        {
            throw new InvalidOperationException($"{AlipayOptions.Section} is not configured (AppId and both keys).");
        }
        var appPrivateKey = AlipayKeys.ImportPrivateKey(options.AppPrivateKeyPem);
        try
        {
            return new AlipayAccount(options, appPrivateKey, AlipayKeys.ImportPublicKey(options.AlipayPublicKey));
        }
        catch
        {
            appPrivateKey.Dispose();
            throw;
        }
    }

    internal string Sign(string content) => AlipaySignature.Sign(content, _appPrivateKey);

    internal bool IsSignedByAlipay(ReadOnlySpan<byte> content, string? signature) =>
        AlipaySignature.Verify(content, signature, _alipayPublicKey);

    public void Dispose()
    {
        _appPrivateKey.Dispose();
        _alipayPublicKey.Dispose();
    }
}
