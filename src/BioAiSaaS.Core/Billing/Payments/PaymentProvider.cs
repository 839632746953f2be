namespace BioAiSaaS.Core.Billing.Payments;

/// <summary>
/// What the billing code needs from a payment provider (WeChat Pay API v3, Alipay open platform): create a QR or
/// redirect order, query it, close it, refund and query refunds, and turn a provider's asynchronous notification into
/// a verified fact. Amounts are integer fen everywhere; each provider converts at its own wire boundary.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>"wechatpay" or "alipay": the value stored on orders and journal entries.</summary>
    string Name { get; }

    Task<CreatedOrder> CreateOrderAsync(OrderRequest order, CancellationToken cancellationToken);

    /// <summary>The trade as the provider sees it; <see cref="TradeState.NotFound"/> when it never heard of it.</summary>
    Task<TradeStatus> QueryOrderAsync(string outTradeNo, CancellationToken cancellationToken);

    Task CloseOrderAsync(string outTradeNo, CancellationToken cancellationToken);

    /// <summary>Idempotent by <see cref="RefundRequest.OutRefundNo"/>: asking twice refunds once.</summary>
    Task<RefundStatus> RefundAsync(RefundRequest refund, CancellationToken cancellationToken);

    Task<RefundStatus> QueryRefundAsync(string outTradeNo, string outRefundNo, CancellationToken cancellationToken);

    /// <summary>
    /// Verifies a notification exactly as received (signature, timestamp window, decryption, our app and merchant
    /// ids) and parses it. Never throws for bad input: a forged, stale or foreign notification is a
    /// <see cref="NotificationCheck.Rejected"/> with the reason, for the log.
    /// </summary>
    NotificationCheck VerifyNotification(ReceivedNotification notification);
}

/// <summary>
/// An order to be paid by scanning a QR code (or, for Alipay, by a signed page redirect). <c>OutTradeNo</c> is ours,
/// 6–32 characters of [A-Za-z0-9_-], unique per order; <c>AmountFen</c> is positive; <c>Description</c> is shown to
/// the payer (WeChat <c>description</c>, Alipay <c>subject</c>); after <c>ExpiresAt</c> the provider refuses payment;
/// <c>PageRedirect</c> (Alipay only) asks for an <c>alipay.trade.page.pay</c> signed redirect instead of a QR code.
/// </summary>
public sealed record OrderRequest(string OutTradeNo, long AmountFen, string Description, DateTimeOffset ExpiresAt, bool PageRedirect = false);

/// <summary>A created order: <c>QrCodeUrl</c> (WeChat <c>code_url</c>, Alipay <c>qr_code</c>) to render as a QR code, or
/// <c>RedirectUrl</c>, the signed Alipay page-pay URL when a redirect was asked for.</summary>
public sealed record CreatedOrder(string OutTradeNo, string? QrCodeUrl, string? RedirectUrl);

public enum TradeState
{
    /// <summary>Created, not paid yet (WeChat NOTPAY/USERPAYING, Alipay WAIT_BUYER_PAY).</summary>
    Pending,
    /// <summary>Paid (WeChat SUCCESS, Alipay TRADE_SUCCESS or TRADE_FINISHED).</summary>
    Paid,
    /// <summary>Closed or revoked without payment (WeChat CLOSED/REVOKED/PAYERROR, Alipay TRADE_CLOSED unpaid).</summary>
    Closed,
    /// <summary>Paid, then (partly or fully) refunded (WeChat REFUND).</summary>
    Refunded,
    /// <summary>The provider has no such trade (WeChat ORDER_NOT_EXIST, Alipay ACQ.TRADE_NOT_EXIST).</summary>
    NotFound,
}

/// <summary>A trade as the provider reports it; <c>AmountFen</c> is what the payer paid (the order's total when unpaid).</summary>
public sealed record TradeStatus(string OutTradeNo, TradeState State, string? ProviderTradeNo, long? AmountFen, DateTimeOffset? PaidAt);

/// <summary>A refund; <c>OutRefundNo</c> is ours, its permanent idempotency key (WeChat <c>out_refund_no</c>, Alipay <c>out_request_no</c>).</summary>
public sealed record RefundRequest(string OutTradeNo, string OutRefundNo, long RefundFen, long TotalFen, string Reason);

public enum RefundState
{
    Processing,
    Succeeded,
    Failed,
    NotFound,
}

public sealed record RefundStatus(string OutTradeNo, string OutRefundNo, RefundState State, long? AmountFen, string? ProviderRefundNo);

/// <summary>A notification exactly as it arrived: header names lower-cased, body the raw bytes as UTF-8 text.</summary>
public sealed record ReceivedNotification(IReadOnlyDictionary<string, string> Headers, string Body);

public enum NotificationKind
{
    Payment,
    Refund,
}

/// <summary>A verified notification's facts. For a payment, <c>State</c> is the trade's state; for a refund, Paid
/// means nothing and <c>RefundState</c> says how the refund went. <c>EventId</c> is the provider's id for this
/// notification, for the log (WeChat <c>id</c>, Alipay <c>notify_id</c>).</summary>
public sealed record PaymentNotification(
    NotificationKind Kind,
    string EventId,
    string OutTradeNo,
    string? ProviderTradeNo,
    TradeState State,
    long AmountFen,
    DateTimeOffset? PaidAt,
    string? OutRefundNo = null,
    RefundState? RefundState = null);

/// <summary>Either a verified notification or the reason it was refused.</summary>
public abstract record NotificationCheck
{
    private NotificationCheck() { }

    public sealed record Verified(PaymentNotification Notification) : NotificationCheck;

    public sealed record Rejected(string Reason) : NotificationCheck;
}

/// <summary>A provider answered with an error (or not at all); <see cref="Code"/> is its error code when it sent one.</summary>
public sealed class PaymentProviderException(string provider, string? code, string message, Exception? inner = null)
    : Exception($"{provider}: {(code is null ? "" : code + ": ")}{message}", inner)
{
    public string Provider { get; } = provider;
    public string? Code { get; } = code;
}
