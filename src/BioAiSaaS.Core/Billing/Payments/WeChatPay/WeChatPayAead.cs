using System.Security.Cryptography;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>
/// The <c>AEAD_AES_256_GCM</c> resources of notifications: AES-GCM under the APIv3 key, the nonce and associated data
/// as UTF-8 text, the ciphertext Base64 with the 16-byte tag at its end. The AES variant follows the key's length
/// (the algorithm name says 256 because real keys are 32 bytes; the SDKs' own test vectors use 16).
/// </summary>
public static class WeChatPayAead
{
    public const string Algorithm = "AEAD_AES_256_GCM";

    private const int TagSize = 16;

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> when the key is wrong or anything was
    /// altered (the tag covers ciphertext, nonce and associated data), <see cref="FormatException"/> for bad Base64.</summary>
    public static string Decrypt(ReadOnlySpan<byte> key, string nonce, string? associatedData, string ciphertextBase64)
    {
        var sealedBytes = Convert.FromBase64String(ciphertextBase64);
        if (sealedBytes.Length < TagSize)
        {
            throw new CryptographicException("The ciphertext is shorter than its tag.");
        }
        var cipher = sealedBytes.AsSpan(0, sealedBytes.Length - TagSize);
        var tag = sealedBytes.AsSpan(sealedBytes.Length - TagSize);
        var plaintext = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(Encoding.UTF8.GetBytes(nonce), cipher, tag, plaintext, Encoding.UTF8.GetBytes(associatedData ?? ""));
        return Encoding.UTF8.GetString(plaintext);
    }
}
