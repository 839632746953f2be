using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// The Alipay open-platform app (public-key mode, RSA2), bound from <c>Payments:Alipay</c> and validated at start-up.
/// Without <see cref="AppId"/> there is no Alipay and the service runs without it; with it, the keys and the
/// notification URL are required. The private key is a secret: user-secrets or the environment, never a file in the
/// repository, and never in a log (<see cref="ToString"/> leaves it out, validation messages never quote it).
/// </summary>
public sealed class AlipayOptions : IValidatableObject
{
    public const string Section = "Payments:Alipay";
    public const string SandboxGatewayUrl = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";
    public const string ProductionGatewayUrl = "https://openapi.alipay.com/gateway.do";

    /// <summary>Chooses the sandbox gateway when <see cref="GatewayUrl"/> is not set.</summary>
    public bool Sandbox { get; set; }

    /// <summary>Overrides the gateway (a local fake in tests); HTTPS except on a loopback address.</summary>
    public Uri? GatewayUrl { get; set; }

    /// <summary>The open-platform app id (digits, 16 of them for apps created today).</summary>
    public string? AppId { get; set; }

    /// <summary>The app's RSA private key: PKCS#8 or PKCS#1, PEM or the bare Base64 Alipay's key tool prints.</summary>
    public string? AppPrivateKeyPem { get; set; }

    /// <summary>Alipay's public key for this app (not the app's own): PEM or bare Base64 DER SubjectPublicKeyInfo.</summary>
    public string? AlipayPublicKey { get; set; }

    /// <summary>The merchant's PID ("2088…"); when set, notifications for another seller are refused.</summary>
    public string? SellerId { get; set; }

    /// <summary>Where Alipay posts asynchronous notifications; it must be reachable from the internet.</summary>
    public Uri? NotifyUrl { get; set; }

    /// <summary>Where the browser returns after a page-pay redirect (optional).</summary>
    public Uri? ReturnUrl { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId);

    public Uri EffectiveGatewayUrl => GatewayUrl ?? new Uri(Sandbox ? SandboxGatewayUrl : ProductionGatewayUrl);

    /// <summary>For diagnostics: ids and URLs only, never the private key.</summary>
    public override string ToString() =>
        $"Alipay {{ AppId = {AppId}, SellerId = {SellerId}, Gateway = {EffectiveGatewayUrl}, NotifyUrl = {NotifyUrl}, " +
        $"AppPrivateKeyPem = {(string.IsNullOrEmpty(AppPrivateKeyPem) ? "(none)" : "(set)")} }}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(AppPrivateKeyPem) || !string.IsNullOrWhiteSpace(AlipayPublicKey) || NotifyUrl is not null)
            {
                yield return new ValidationResult("Payments:Alipay has keys or a NotifyUrl but no AppId: set AppId too, or remove the section.",
                    [nameof(AppId)]);
            }
            yield break;
        }
        if (AppId!.Length > 32 || !AppId.All(char.IsAsciiDigit))
        {
            yield return new ValidationResult("Payments:Alipay:AppId is the open-platform app id: digits only.", [nameof(AppId)]);
        }
        if (KeyProblem(AppPrivateKeyPem, AlipayKeys.ImportPrivateKey) is { } privateProblem)
        {
            yield return new ValidationResult($"Payments:Alipay:AppPrivateKeyPem: {privateProblem}", [nameof(AppPrivateKeyPem)]);
        }
        if (KeyProblem(AlipayPublicKey, AlipayKeys.ImportPublicKey) is { } publicProblem)
        {
            yield return new ValidationResult($"Payments:Alipay:AlipayPublicKey: {publicProblem}", [nameof(AlipayPublicKey)]);
        }
        if (SellerId is not null && (SellerId.Length != 16 || !SellerId.StartsWith("2088", StringComparison.Ordinal) || !SellerId.All(char.IsAsciiDigit)))
        {
            yield return new ValidationResult("Payments:Alipay:SellerId is the merchant PID: 16 digits starting with 2088.", [nameof(SellerId)]);
        }
        if (NotifyUrl is null || !IsWebUrl(NotifyUrl))
        {
            yield return new ValidationResult("Payments:Alipay:NotifyUrl is required: the absolute http(s) URL Alipay posts notifications to.",
                [nameof(NotifyUrl)]);
        }
        if (ReturnUrl is not null && !IsWebUrl(ReturnUrl))
        {
            yield return new ValidationResult("Payments:Alipay:ReturnUrl must be an absolute http(s) URL.", [nameof(ReturnUrl)]);
        }
        var gateway = EffectiveGatewayUrl;
        if (!gateway.IsAbsoluteUri || !(gateway.Scheme == Uri.UriSchemeHttps || (gateway.Scheme == Uri.UriSchemeHttp && gateway.IsLoopback)))
        {
            yield return new ValidationResult("Payments:Alipay:GatewayUrl must be https (plain http only for a loopback fake).", [nameof(GatewayUrl)]);
        }
    }

    private static bool IsWebUrl(Uri url) => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    // The importer's message names the expected formats, never the key text.
    private static string? KeyProblem(string? key, Func<string, RSA> import)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "required when AppId is set.";
        }
        try
        {
            import(key).Dispose();
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }
}
