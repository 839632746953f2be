using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// RSA2 as Alipay defines it: the parameters other than the signature itself, empty values dropped, sorted by key
/// (ordinal), joined as raw <c>k=v</c> pairs with <c>&amp;</c> — values as they are, not URL-encoded — and signed
/// SHA256withRSA (PKCS#1 v1.5), Base64. Requests sign <c>sign_type</c> too; Alipay's notifications leave it out.
/// </summary>
public static class AlipaySignature
{
    private static readonly FrozenSet<string> RequestExclusions = FrozenSet.Create(StringComparer.Ordinal, "sign");
    private static readonly FrozenSet<string> NotificationExclusions = FrozenSet.Create(StringComparer.Ordinal, "sign", "sign_type");

    /// <summary>The string to sign: non-empty parameters not in <paramref name="excluded"/>, sorted by key, <c>k=v&amp;…</c>.</summary>
    public static string SignContent(IEnumerable<KeyValuePair<string, string>> parameters, IReadOnlySet<string> excluded) =>
        string.Join('&', parameters
            .Where(p => !string.IsNullOrEmpty(p.Value) && !excluded.Contains(p.Key))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

    /// <summary>What a request signs: everything but <c>sign</c> (so <c>sign_type</c> is included).</summary>
    public static string RequestSignContent(IEnumerable<KeyValuePair<string, string>> parameters) =>
        SignContent(parameters, RequestExclusions);

    /// <summary>What an asynchronous notification signs: everything but <c>sign</c> and <c>sign_type</c>.</summary>
    public static string NotificationSignContent(IEnumerable<KeyValuePair<string, string>> parameters) =>
        SignContent(parameters, NotificationExclusions);

    /// <summary>SHA256withRSA over the content's bytes in <paramref name="encoding"/> (the request's charset, UTF-8 by default).</summary>
    public static string Sign(string content, RSA privateKey, Encoding? encoding = null) =>
        Convert.ToBase64String(privateKey.SignData((encoding ?? Encoding.UTF8).GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static bool Verify(string content, string? signature, RSA publicKey, Encoding? encoding = null) =>
        Verify((encoding ?? Encoding.UTF8).GetBytes(content), signature, publicKey);

    /// <summary>False for a wrong, empty or non-Base64 signature; never throws for what an attacker can send.</summary>
    public static bool Verify(ReadOnlySpan<byte> content, string? signature, RSA publicKey)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, bytes, out var length))
        {
            return false;
        }
        try
        {
            return publicKey.VerifyData(content, bytes.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
