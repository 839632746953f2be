using System.Globalization;

namespace BioAiSaaS.Core.Billing;

/// <summary>
/// Money is integer fen (1/100 yuan, CNY) everywhere: stored, added, compared and sent to providers as
/// <see cref="long"/>. Rates that are not whole fen per unit (¥0.15 per 1,000 tokens is 0.015 fen a token) are kept
/// as fen per a larger unit (per 1M tokens) and divided once, here, with half-up rounding in integer arithmetic.
/// Decimal appears only to print yuan.
/// </summary>
public static class Money
{
    public const long FenPerYuan = 100;

    /// <summary>"¥12.34"; negative amounts as "-¥12.34".</summary>
    public static string Format(long fen)
    {
        var magnitude = fen < 0 ? -(Int128)fen : fen;
        var text = string.Create(CultureInfo.InvariantCulture, $"¥{magnitude / FenPerYuan}.{magnitude % FenPerYuan:00}");
        return fen < 0 ? "-" + text : text;
    }

    /// <summary>Yuan with two decimals ("12.34"), as Alipay's amounts are written; decimal only for printing.</summary>
    public static string Yuan(long fen) => (fen / (decimal)FenPerYuan).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="numerator"/> / <paramref name="denominator"/> rounded half away from zero (half-up for the
    /// non-negative amounts billing charges), exactly: Int128 holds any product of two fen-sized longs.
    /// </summary>
    public static long DivideRounded(Int128 numerator, Int128 denominator)
    {
        if (denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), "The denominator must be positive.");
        }
        var negative = numerator < 0;
        var magnitude = negative ? -numerator : numerator;
        var quotient = (magnitude + denominator / 2) / denominator;
        return checked((long)(negative ? -quotient : quotient));
    }

    /// <summary><paramref name="rate"/> (fen per <paramref name="per"/> units) × <paramref name="quantity"/>, rounded half-up.</summary>
    public static long Charge(long quantity, long rate, long per) => DivideRounded((Int128)quantity * rate, per);
}
