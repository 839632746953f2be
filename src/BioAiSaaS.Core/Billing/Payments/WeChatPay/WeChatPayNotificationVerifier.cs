using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>A notification whose signature, timestamp and encryption have been checked: its envelope and the
/// decrypted resource, not yet interpreted.</summary>
public sealed record OpenedNotification(string Id, string EventType, DateTimeOffset? CreateTime, string Plaintext);

/// <summary>
/// Turns a WeChat Pay notification, exactly as received, into a verified <see cref="PaymentNotification"/> in two
/// steps: <see cref="TryOpen"/> (headers present, timestamp inside the window, platform signature over
/// <c>TIMESTAMP\nNONCE\nBODY\n</c>, AES-GCM resource decrypted) and interpretation (a payment or refund event for our
/// merchant and app). Nothing here throws for bad input: each failure is a rejection with its reason.
/// </summary>
public sealed class WeChatPayNotificationVerifier(WeChatPayCredentials credentials, TimeProvider time)
{
    public const string TransactionSuccess = "TRANSACTION.SUCCESS";

    private static readonly string[] RefundEvents = ["REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"];

    public NotificationCheck Verify(ReceivedNotification notification)
    {
        if (!TryOpen(notification, out var opened, out var rejection))
        {
            return new NotificationCheck.Rejected(rejection);
        }
        try
        {
            return opened.EventType == TransactionSuccess ? Payment(opened)
                : RefundEvents.Contains(opened.EventType) ? Refund(opened)
                : new NotificationCheck.Rejected($"event_type {opened.EventType} is not a payment or refund result.");
        }
        catch (JsonException)
        {
            return new NotificationCheck.Rejected($"The {opened.EventType} resource is not the JSON expected.");
        }
    }

    /// <summary>Verifies and decrypts; <paramref name="rejection"/> says why not when it returns false.</summary>
    public bool TryOpen(ReceivedNotification notification, [NotNullWhen(true)] out OpenedNotification? opened,
        [NotNullWhen(false)] out string? rejection)
    {
        opened = null;
        var timestamp = Header(notification, "wechatpay-timestamp");
        var nonce = Header(notification, "wechatpay-nonce");
        var signature = Header(notification, "wechatpay-signature");
        var serial = Header(notification, "wechatpay-serial");
        if (timestamp is null || nonce is null || signature is null || serial is null)
        {
            rejection = "A Wechatpay-Timestamp, -Nonce, -Signature or -Serial header is missing.";
            return false;
        }
        rejection = credentials.CheckPlatformSignature(serial, timestamp, nonce, signature, Encoding.UTF8.GetBytes(notification.Body),
            time.GetUtcNow());
        if (rejection is not null)
        {
            return false;
        }
        NotificationEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<NotificationEnvelope>(notification.Body, WeChatPayWire.Json);
        }
        catch (JsonException)
        {
            rejection = "The body is not a notification's JSON.";
            return false;
        }
        if (envelope is not { Id: { } id, EventType: { } eventType, Resource: { Ciphertext: { } ciphertext, Nonce: { } resourceNonce } resource })
        {
            rejection = "The notification lacks its id, event_type or encrypted resource.";
            return false;
        }
        if (resource.Algorithm != WeChatPayAead.Algorithm)
        {
            rejection = $"The resource algorithm is {resource.Algorithm}, not {WeChatPayAead.Algorithm}.";
            return false;
        }
        try
        {
            var plaintext = WeChatPayAead.Decrypt(credentials.ApiV3Key.Span, resourceNonce, resource.AssociatedData, ciphertext);
            opened = new OpenedNotification(id, eventType, WeChatPayWire.ParseTime(envelope.CreateTime), plaintext);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            rejection = "The resource does not decrypt with our APIv3 key (altered, or encrypted for another merchant).";
            return false;
        }
    }

    private NotificationCheck Payment(OpenedNotification opened)
    {
        var resource = JsonSerializer.Deserialize<TransactionResource>(opened.Plaintext, WeChatPayWire.Json);
        if (ForeignMerchant(resource?.Mchid) is { } foreign)
        {
            return foreign;
        }
        if (resource!.Appid != credentials.Options.AppId)
        {
            return new NotificationCheck.Rejected($"The payment is for appid {resource.Appid}, not ours.");
        }
        if (resource is not { OutTradeNo: { } outTradeNo, Amount.Total: { } total } || WeChatPayWire.TradeStateOf(resource.TradeState) is not { } state)
        {
            return new NotificationCheck.Rejected("The payment resource lacks out_trade_no, amount.total or a known trade_state.");
        }
        return new NotificationCheck.Verified(new PaymentNotification(NotificationKind.Payment, opened.Id, outTradeNo,
            resource.TransactionId, state, total, WeChatPayWire.ParseTime(resource.SuccessTime)));
    }

    private NotificationCheck Refund(OpenedNotification opened)
    {
        var resource = JsonSerializer.Deserialize<RefundNotificationResource>(opened.Plaintext, WeChatPayWire.Json);
        if (ForeignMerchant(resource?.Mchid) is { } foreign)
        {
            return foreign;
        }
        if (resource is not { OutTradeNo: { } outTradeNo, OutRefundNo: { } outRefundNo, Amount.Refund: { } refunded }
            || WeChatPayWire.RefundStateOf(resource.RefundStatus) is not { } refundState)
        {
            return new NotificationCheck.Rejected("The refund resource lacks out_trade_no, out_refund_no, amount.refund or a known refund_status.");
        }
        // The trade is Refunded once a refund went through; a refund that failed leaves it Paid.
        var tradeState = refundState == RefundState.Succeeded ? TradeState.Refunded : TradeState.Paid;
        return new NotificationCheck.Verified(new PaymentNotification(NotificationKind.Refund, opened.Id, outTradeNo,
            resource.TransactionId, tradeState, refunded, PaidAt: null, outRefundNo, refundState));
    }

    private NotificationCheck.Rejected? ForeignMerchant(string? mchId) =>
        mchId == credentials.Options.MchId ? null : new NotificationCheck.Rejected($"The resource is for mchid {mchId}, not ours.");

    // The contract lower-cases header names; a caller that did not still finds them.
    private static string? Header(ReceivedNotification notification, string name) =>
        notification.Headers.TryGetValue(name, out var value)
            ? value
            : notification.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
