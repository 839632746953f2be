using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// application/x-www-form-urlencoded as Alipay uses it. Encoding is always UTF-8 (our requests say charset=utf-8).
/// Decoding honours the body's own <c>charset</c> parameter, because Alipay percent-encodes a notification's bytes
/// in the charset of the request that created the trade and signs those bytes.
/// </summary>
public static class AlipayForm
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Encode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));

    /// <summary>
    /// Decodes a form body into its fields and the charset they were in. A repeated key is a problem, not "last one
    /// wins": a signed field and a second, unsigned copy of it are exactly how a forgery would try to slip through.
    /// </summary>
    public static bool TryDecode(string body, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? fields,
        [NotNullWhen(true)] out Encoding? encoding, [NotNullWhen(false)] out string? problem)
    {
        fields = null;
        encoding = null;
        var raw = new List<(string Key, string Value)>();
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            raw.Add(equals < 0 ? (pair, "") : (pair[..equals], pair[(equals + 1)..]));
        }
        if (raw.Count == 0)
        {
            problem = "the body has no form fields";
            return false;
        }

        // The charset's own name is ASCII, so it can be read before the charset is known.
        var charsetField = raw.FirstOrDefault(f => f.Key == "charset").Value;
        string? charset = null;
        if (charsetField is not null && !TryPercentDecode(charsetField, StrictUtf8, out charset))
        {
            problem = "the charset field is malformed";
            return false;
        }
        encoding = EncodingFor(charset);
        if (encoding is null)
        {
            problem = $"unsupported charset \"{Printable(charset)}\"";
            return false;
        }

        var decoded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rawKey, rawValue) in raw)
        {
            if (!TryPercentDecode(rawKey, encoding, out var key) || !TryPercentDecode(rawValue, encoding, out var value))
            {
                problem = $"a field is not valid percent-encoded {encoding.WebName}";
                return false;
            }
            if (!decoded.TryAdd(key, value))
            {
                problem = $"the field \"{Printable(key)}\" appears more than once";
                return false;
            }
        }
        // A percent-encoded "charset" key escapes the lookup above; refuse rather than decode with the wrong charset.
        if (decoded.GetValueOrDefault("charset") != charset)
        {
            problem = "the charset field is ambiguous";
            return false;
        }
        fields = decoded;
        problem = null;
        return true;
    }

    /// <summary>Shortens and defangs a value from outside before it goes into a log line.</summary>
    internal static string Printable(string? value)
    {
        if (value is null)
        {
            return "";
        }
        var clipped = value.Length > 64 ? value[..64] + "…" : value;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c));
    }

    private static Encoding? EncodingFor(string? charset) => charset?.Trim().ToUpperInvariant() switch
    {
        null or "" or "UTF-8" or "UTF8" => StrictUtf8,
        // Older Alipay integrations default to GBK; the code pages ship with .NET and need no global registration.
        "GBK" or "GB2312" or "GB18030" => CodePagesEncodingProvider.Instance.GetEncoding(charset.Trim(),
            EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback),
        _ => null,
    };

    private static bool TryPercentDecode(string text, Encoding encoding, [NotNullWhen(true)] out string? decoded)
    {
        decoded = null;
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    return false;
                }
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (char.IsAscii(c))
            {
                bytes.Add((byte)c);
            }
            else
            {
                // The body reached us as UTF-8 text; an unencoded non-ASCII character stands for its UTF-8 bytes.
                var length = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, length)));
                i += length - 1;
            }
        }
        try
        {
            decoded = encoding.GetString([.. bytes]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
