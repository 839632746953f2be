using System.Security.Cryptography;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// Reads RSA keys in the shapes Alipay's key tool and console hand out: PEM (PKCS#8 "PRIVATE KEY", PKCS#1
/// "RSA PRIVATE KEY", SubjectPublicKeyInfo "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY") or the bare Base64 of the DER
/// without header lines. Errors never echo the key text: it is a secret and ends up in start-up logs.
/// </summary>
public static class AlipayKeys
{
    /// <summary>RSA2 is SHA256withRSA with a key of at least 2048 bits; Alipay generates exactly 2048.</summary>
    public const int MinimumKeySizeBits = 2048;

    private static readonly KeyFormat[] PrivateFormats =
    [
        new("PRIVATE KEY", (rsa, der) => { rsa.ImportPkcs8PrivateKey(der, out var read); return read; }),
        new("RSA PRIVATE KEY", (rsa, der) => { rsa.ImportRSAPrivateKey(der, out var read); return read; }),
    ];

    private static readonly KeyFormat[] PublicFormats =
    [
        new("PUBLIC KEY", (rsa, der) => { rsa.ImportSubjectPublicKeyInfo(der, out var read); return read; }),
        new("RSA PUBLIC KEY", (rsa, der) => { rsa.ImportRSAPublicKey(der, out var read); return read; }),
    ];

    /// <summary>The app's private key, PKCS#8 or PKCS#1, PEM or bare Base64.</summary>
    /// <exception cref="FormatException">Not such a key, or shorter than <see cref="MinimumKeySizeBits"/>.</exception>
    public static RSA ImportPrivateKey(string text) => Import(text, "private key", PrivateFormats);

    /// <summary>Alipay's public key, SubjectPublicKeyInfo or PKCS#1, PEM or bare Base64.</summary>
    /// <exception cref="FormatException">Not such a key, or shorter than <see cref="MinimumKeySizeBits"/>.</exception>
    public static RSA ImportPublicKey(string text) => Import(text, "public key", PublicFormats);

    private static RSA Import(string text, string what, KeyFormat[] formats)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"The RSA {what} is empty.");
        }
        // Keys pasted into environment variables often carry literal "\n" instead of line breaks.
        var normalised = text.Replace("\\n", "\n", StringComparison.Ordinal).Trim();
        IEnumerable<KeyFormat> candidates = formats;
        byte[] der;
        if (normalised.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            if (!PemEncoding.TryFind(normalised, out var fields))
            {
                throw Unreadable(what, formats);
            }
            var label = normalised[fields.Label];
            candidates = formats.Where(f => f.PemLabel == label);
            der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64String(normalised[fields.Base64Data], der, out _))
            {
                throw Unreadable(what, formats);
            }
        }
        else
        {
            der = new byte[normalised.Length];
            if (!Convert.TryFromBase64String(normalised, der, out var length))
            {
                throw Unreadable(what, formats);
            }
            der = der[..length];
        }

        foreach (var format in candidates)
        {
            var rsa = RSA.Create();
            try
            {
                if (format.Read(rsa, der) == der.Length)
                {
                    if (rsa.KeySize < MinimumKeySizeBits)
                    {
                        throw new FormatException($"The RSA {what} has {rsa.KeySize} bits; RSA2 needs at least {MinimumKeySizeBits}.");
                    }
                    var imported = rsa;
                    rsa = null;
                    return imported;
                }
            }
            catch (CryptographicException)
            {
                // Not this format; bare Base64 does not say which one it is, so the next one gets a try.
            }
            finally
            {
                rsa?.Dispose();
            }
        }
        throw Unreadable(what, formats);
    }

    private static FormatException Unreadable(string what, KeyFormat[] formats) =>
        new($"Not an RSA {what}: expected PEM ({string.Join(" or ", formats.Select(f => f.PemLabel))}) or the bare Base64 of its DER.");

    private sealed record KeyFormat(string PemLabel, Func<RSA, byte[], int> Read);
}
