using System.Buffers;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>Checks our own arguments before anything is signed or sent: a bad one is our bug, an ArgumentException.</summary>
internal static class AlipayInput
{
    /// <summary>Alipay's ceiling per trade: 100,000,000.00 yuan.</summary>
    public const long MaxAmountFen = 10_000_000_000;

    private static readonly SearchValues<char> IdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    // Alipay's subject field refuses these (they collide with its own parameter syntax).
    private static readonly SearchValues<char> SubjectForbidden = SearchValues.Create("/=&");

    /// <summary>Ours are 6–32 of [A-Za-z0-9_-] (Alipay would take 64).</summary>
    public static void OutTradeNo(string value, string paramName) => Id(value, 6, 32, paramName);

    /// <summary>Refund numbers may be an order number plus a suffix, so up to Alipay's 64.</summary>
    public static void OutRefundNo(string value, string paramName) => Id(value, 6, 64, paramName);

    public static void Order(OrderRequest order, DateTimeOffset now)
    {
        OutTradeNo(order.OutTradeNo, nameof(order));
        Amount(order.AmountFen, nameof(order));
        if (string.IsNullOrWhiteSpace(order.Description) || order.Description.Length > 256
            || order.Description.AsSpan().ContainsAny(SubjectForbidden) || order.Description.Any(char.IsControl))
        {
            throw new ArgumentException("Description (Alipay subject) is 1–256 characters without '/', '=', '&' or control characters.",
                nameof(order));
        }
        if (order.ExpiresAt <= now)
        {
            throw new ArgumentException("ExpiresAt has already passed.", nameof(order));
        }
    }

    public static void Refund(RefundRequest refund)
    {
        OutTradeNo(refund.OutTradeNo, nameof(refund));
        OutRefundNo(refund.OutRefundNo, nameof(refund));
        Amount(refund.RefundFen, nameof(refund));
        Amount(refund.TotalFen, nameof(refund));
        if (refund.RefundFen > refund.TotalFen)
        {
            throw new ArgumentException("RefundFen exceeds TotalFen.", nameof(refund));
        }
        if (refund.Reason is { Length: > 256 } || refund.Reason?.Any(char.IsControl) == true)
        {
            throw new ArgumentException("Reason is at most 256 characters, without control characters.", nameof(refund));
        }
    }

    private static void Amount(long fen, string paramName)
    {
        if (fen is <= 0 or > MaxAmountFen)
        {
            throw new ArgumentOutOfRangeException(paramName, fen, $"Amounts are positive fen up to {MaxAmountFen}.");
        }
    }

    private static void Id(string value, int min, int max, string paramName)
    {
        if (value is null || value.Length < min || value.Length > max || value.AsSpan().ContainsAnyExcept(IdCharacters))
        {
            throw new ArgumentException($"Expected {min}–{max} characters of [A-Za-z0-9_-].", paramName);
        }
    }
}
