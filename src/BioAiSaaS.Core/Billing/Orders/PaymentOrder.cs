using System.Text.RegularExpressions;

namespace BioAiSaaS.Core.Billing.Orders;

/// <summary>
/// An order we asked a payment provider to collect (table <c>payment_orders</c>). <see cref="OutTradeNo"/> is ours
/// and is the key of everything that follows: the provider's notifications, the reconciliation job's queries, and
/// the journal entry that credits it (<c>payment:{provider}:{out_trade_no}</c>), so it is credited once at most.
/// </summary>
public sealed class PaymentOrder
{
    public required string OutTradeNo { get; init; }
    public Guid UserId { get; init; }
    public required string Provider { get; init; }
    public long AmountFen { get; init; }
    public required string Purpose { get; init; }
    public required string Status { get; set; }
    public string? ProviderTradeNo { get; set; }
    public string? QrCodeUrl { get; set; }
    public string? RedirectUrl { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? PaidAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public long RefundedFen { get; set; }
    /// <summary>When the reconciliation job may look at this order again (its claim, so several workers share the work).</summary>
    public DateTimeOffset? NextCheckAt { get; set; }
}

public static partial class PaymentOrderRules
{
    public const int MinOutTradeNoLength = 6;
    public const int MaxOutTradeNoLength = 32;

    /// <summary>WeChat Pay's and Alipay's common ground: 6–32 characters of [A-Za-z0-9_-].</summary>
    public static bool IsValidOutTradeNo(string? value) => value is not null && OutTradeNoPattern().IsMatch(value);

    /// <summary>"TU" and 24 random hex digits: unguessable, and well inside both providers' limits.</summary>
    public static string NewTopUpNumber() => NewNumber("TU");

    /// <summary>A refund's number ("RF" and 24 random hex digits), within the same limits.</summary>
    public static string NewRefundNumber() => NewNumber("RF");

    private static string NewNumber(string prefix) => prefix + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    [GeneratedRegex("^[A-Za-z0-9_-]{6,32}$")]
    private static partial Regex OutTradeNoPattern();
}

public static class PaymentOrderStatuses
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Closed = "closed";
    /// <summary>Paid, then refunded in part or in full (<see cref="PaymentOrder.RefundedFen"/> says how much).</summary>
    public const string Refunded = "refunded";
}

public static class PaymentPurposes
{
    public const string TopUp = "topup";
}

/// <summary>A refund of a payment order, by our refund number (table <c>payment_refunds</c>), as the provider reported it.</summary>
public sealed class PaymentRefund
{
    public required string OutRefundNo { get; init; }
    public required string OutTradeNo { get; init; }
    public Guid UserId { get; init; }
    public required string Provider { get; init; }
    public long AmountFen { get; set; }
    public required string Status { get; set; }
    public string? ProviderRefundNo { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The reason the user gave, sent again if the provider must be asked again.</summary>
    public string? Reason { get; set; }
    /// <summary>When the reconciliation job may look at this open refund again (its claim).</summary>
    public DateTimeOffset? NextCheckAt { get; set; }
}
