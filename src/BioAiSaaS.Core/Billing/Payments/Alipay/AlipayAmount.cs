using System.Globalization;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// Alipay's wire amounts: yuan as a string with exactly two decimals ("12.34"). We hold integer fen, so the
/// conversion is digit arithmetic on strings and longs — a binary float would turn 0.1 + 0.2 into a refund dispute.
/// </summary>
public static class AlipayAmount
{
    // Alipay's own ceiling is 100,000,000.00 yuan (11 digits before the point); 12 leaves room and cannot overflow a long.
    private const int MaxWholeDigits = 12;

    /// <summary>10 → "0.10", 1234 → "12.34", 0 → "0.00". Negative amounts do not exist on Alipay's wire.</summary>
    public static string FromFen(long fen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fen);
        return string.Create(CultureInfo.InvariantCulture, $"{fen / 100}.{fen % 100:D2}");
    }

    /// <summary>
    /// Parses a wire amount strictly: ASCII digits, no sign, no leading zeros ("0.50" but not "00.50"), a point and
    /// exactly two decimals. Anything else is malformed, never rounded or guessed at.
    /// </summary>
    public static bool TryParseFen(string? yuan, out long fen)
    {
        fen = 0;
        if (yuan is null)
        {
            return false;
        }
        var point = yuan.IndexOf('.', StringComparison.Ordinal);
        if (point < 1 || point != yuan.Length - 3 || point > MaxWholeDigits)
        {
            return false;
        }
        var whole = yuan.AsSpan(0, point);
        var cents = yuan.AsSpan(point + 1);
        if ((whole.Length > 1 && whole[0] == '0') || !AllAsciiDigits(whole) || !AllAsciiDigits(cents))
        {
            return false;
        }
        long value = 0;
        foreach (var digit in whole)
        {
            value = value * 10 + (digit - '0');
        }
        fen = value * 100 + (cents[0] - '0') * 10 + (cents[1] - '0');
        return true;
    }

    /// <inheritdoc cref="TryParseFen"/>
    public static long ParseFen(string yuan) =>
        TryParseFen(yuan, out var fen) ? fen : throw new FormatException("Not an Alipay amount (yuan with exactly two decimals, e.g. \"12.34\").");

    private static bool AllAsciiDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            // char.IsDigit would also accept full-width and other scripts' digits.
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
