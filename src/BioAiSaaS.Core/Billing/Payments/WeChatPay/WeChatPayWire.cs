using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

// The JSON that crosses the wire, as WeChat Pay names it (snake_case). Everything read is nullable: a field WeChat
// Pay leaves out is reported as missing where it matters instead of failing deserialization.

internal sealed record NativeOrderBody(string Appid, string Mchid, string Description, string OutTradeNo, string TimeExpire,
    string NotifyUrl, OrderAmount Amount);

internal sealed record OrderAmount(long Total, string Currency);

internal sealed record NativeOrderResponse(string? CodeUrl);

internal sealed record CloseOrderBody(string Mchid);

/// <summary>A transaction as the query answers it, and as a TRANSACTION.SUCCESS resource decrypts.</summary>
internal sealed record TransactionResource(string? Appid, string? Mchid, string? OutTradeNo, string? TransactionId,
    string? TradeState, string? SuccessTime, TransactionAmount? Amount);

internal sealed record TransactionAmount(long? Total, long? PayerTotal);

internal sealed record RefundBody(string OutTradeNo, string OutRefundNo, string? Reason, string NotifyUrl, RefundAmountBody Amount);

internal sealed record RefundAmountBody(long Refund, long Total, string Currency);

/// <summary>A refund as the refund and refund-query calls answer it (<c>status</c>).</summary>
internal sealed record RefundResource(string? RefundId, string? OutRefundNo, string? OutTradeNo, string? TransactionId,
    string? Status, RefundAmount? Amount);

/// <summary>A refund as a REFUND.* notification resource decrypts (<c>refund_status</c>, and our <c>mchid</c>).</summary>
internal sealed record RefundNotificationResource(string? Mchid, string? OutTradeNo, string? TransactionId, string? OutRefundNo,
    string? RefundId, string? RefundStatus, string? SuccessTime, RefundAmount? Amount);

internal sealed record RefundAmount(long? Refund, long? Total);

internal sealed record ErrorBody(string? Code, string? Message);

internal sealed record NotificationEnvelope(string? Id, string? CreateTime, string? EventType, string? ResourceType,
    NotificationResource? Resource);

internal sealed record NotificationResource(string? Algorithm, string? Ciphertext, string? Nonce, string? AssociatedData);

internal static class WeChatPayWire
{
    public const string Currency = "CNY";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>RFC 3339 in Beijing time, the form WeChat Pay's examples use for <c>time_expire</c>.</summary>
    public static string Rfc3339(DateTimeOffset time) =>
        time.ToOffset(Beijing).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    public static TradeState? TradeStateOf(string? tradeState) => tradeState switch
    {
        "SUCCESS" => TradeState.Paid,
        "REFUND" => TradeState.Refunded,
        "NOTPAY" or "USERPAYING" => TradeState.Pending,
        "CLOSED" or "REVOKED" or "PAYERROR" => TradeState.Closed,
        _ => null,
    };

    /// <summary>ABNORMAL (the money could not reach the payer's account, so it needs a person) and CLOSED both end
    /// without a refund: Failed.</summary>
    public static RefundState? RefundStateOf(string? status) => status switch
    {
        "SUCCESS" => RefundState.Succeeded,
        "PROCESSING" => RefundState.Processing,
        "ABNORMAL" or "CLOSED" => RefundState.Failed,
        _ => null,
    };
}
