using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace BioAiSaaS.Tests.Billing.WeChatPay;

/// <summary>
/// A merchant (a fresh RSA 2048 key, a 32-byte APIv3 key) configured against a <see cref="FakeWeChatPay"/> on a
/// local port, with both platform keys (the certificate and the <c>PUB_KEY_ID_…</c> key) trusted, and the real
/// <see cref="WeChatPayProvider"/> between them. Both sides read one <see cref="FakeTimeProvider"/>.
/// </summary>
internal sealed class WeChatPayHarness : IAsyncDisposable
{
    public const string ApiV3Key = "0123456789abcdefghijklmnopqrstuv";
    public static readonly Uri NotifyUrl = new("https://bioaisaas.example/api/billing/wechatpay/notify");

    // One merchant key for the whole run: RSA key generation is the slow part of starting a harness.
    private static readonly Lazy<string> MerchantKeyPem = new(() =>
    {
        using var key = RSA.Create(2048);
        return key.ExportPkcs8PrivateKeyPem();
    });

    private readonly HttpClient _http = new();
    private readonly List<WeChatPayCredentials> _otherCredentials = [];

    private WeChatPayHarness(FakeWeChatPay fake, FakeTimeProvider time, WeChatPayOptions options)
    {
        Fake = fake;
        Time = time;
        Options = options;
        Credentials = new WeChatPayCredentials(options);
        Provider = new WeChatPayProvider(_http, Credentials, time);
    }

    public FakeWeChatPay Fake { get; }
    public FakeTimeProvider Time { get; }
    public WeChatPayOptions Options { get; }
    public WeChatPayCredentials Credentials { get; }
    public WeChatPayProvider Provider { get; }

    public static async Task<WeChatPayHarness> StartAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero));
        using var merchantKey = RSA.Create();
        merchantKey.ImportFromPem(MerchantKeyPem.Value);
        var fake = await FakeWeChatPay.StartAsync(merchantKey.ExportSubjectPublicKeyInfoPem(), ApiV3Key, time);
        var options = NewOptions(fake.BaseUrl, MerchantKeyPem.Value);
        options.PlatformCertificates.Add(fake.PlatformCertificatePem);
        options.PlatformPublicKeyId = FakeWeChatPay.PublicKeyId;
        options.PlatformPublicKeyPem = fake.PublicKeyPem;
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException("The harness's options are invalid: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
        }
        return new WeChatPayHarness(fake, time, options);
    }

    /// <summary>Options for the fake's merchant without any platform key: each test adds the ones it trusts.</summary>
    public static WeChatPayOptions NewOptions(Uri baseUrl, string merchantPrivateKeyPem) => new()
    {
        BaseUrl = baseUrl,
        MchId = FakeWeChatPay.MchId,
        AppId = FakeWeChatPay.AppId,
        MerchantSerialNo = FakeWeChatPay.MerchantSerialNo,
        MerchantPrivateKeyPem = merchantPrivateKeyPem,
        ApiV3Key = ApiV3Key,
        NotifyUrl = NotifyUrl,
    };

    /// <summary>A provider for the same merchant and fake with other options (fewer trusted keys, another merchant key).</summary>
    public WeChatPayProvider ProviderWith(Action<WeChatPayOptions> change)
    {
        var options = NewOptions(Fake.BaseUrl, MerchantKeyPem.Value);
        options.PlatformCertificates.Add(Fake.PlatformCertificatePem);
        options.PlatformPublicKeyId = FakeWeChatPay.PublicKeyId;
        options.PlatformPublicKeyPem = Fake.PublicKeyPem;
        change(options);
        var credentials = new WeChatPayCredentials(options);
        _otherCredentials.Add(credentials);
        return new WeChatPayProvider(_http, credentials, Time);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        Credentials.Dispose();
        _otherCredentials.ForEach(c => c.Dispose());
        await Fake.DisposeAsync();
    }
}
