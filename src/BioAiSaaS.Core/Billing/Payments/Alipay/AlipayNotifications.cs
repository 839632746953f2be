using System.Diagnostics.CodeAnalysis;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// Alipay's asynchronous notification (<c>trade_status_sync</c>, a form POST): verified, then turned into facts.
/// The signature covers every non-empty field but <c>sign</c> and <c>sign_type</c>, sorted, in the body's charset.
/// There is no timestamp window: Alipay retries for about a day, and the facts are idempotent for the caller.
/// Payments and refunds arrive on the same notification; a refund's carries <c>refund_fee</c>, <c>gmt_refund</c>
/// and <c>out_biz_no</c> (our <c>out_request_no</c>), and Alipay sends it once the money has moved.
/// </summary>
internal static class AlipayNotifications
{
    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "The contract: a notification from outside is verified or rejected, never an exception in the endpoint.")]
    public static NotificationCheck Check(ReceivedNotification notification, AlipayAccount account)
    {
        try
        {
            return CheckCore(notification, account);
        }
        catch (Exception ex)
        {
            return new NotificationCheck.Rejected($"unexpected {ex.GetType().Name} while reading the notification");
        }
    }

    private static NotificationCheck CheckCore(ReceivedNotification notification, AlipayAccount account)
    {
        if (string.IsNullOrWhiteSpace(notification.Body))
        {
            return Reject("the body is empty");
        }
        if (!AlipayForm.TryDecode(notification.Body.Trim(), out var fields, out var encoding, out var problem))
        {
            return Reject(problem);
        }
        var sign = fields.GetValueOrDefault("sign");
        if (string.IsNullOrEmpty(sign))
        {
            return Reject("there is no sign field");
        }
        var signType = fields.GetValueOrDefault("sign_type");
        if (signType != "RSA2")
        {
            return Reject($"sign_type \"{AlipayForm.Printable(signType)}\" is not RSA2");
        }
        var content = encoding.GetBytes(AlipaySignature.NotificationSignContent(fields));
        if (!account.IsSignedByAlipay(content, sign))
        {
            return Reject("the signature does not verify with the Alipay public key");
        }

        // Signed by Alipay, but possibly for someone else's app or merchant.
        var appId = fields.GetValueOrDefault("app_id");
        if (appId != account.AppId)
        {
            return Reject($"app_id \"{AlipayForm.Printable(appId)}\" is not ours ({account.AppId})");
        }
        var sellerId = fields.GetValueOrDefault("seller_id");
        if (account.SellerId is not null && sellerId != account.SellerId)
        {
            return Reject($"seller_id \"{AlipayForm.Printable(sellerId)}\" is not ours ({account.SellerId})");
        }

        var notifyId = fields.GetValueOrDefault("notify_id");
        var outTradeNo = fields.GetValueOrDefault("out_trade_no");
        if (string.IsNullOrEmpty(notifyId) || string.IsNullOrEmpty(outTradeNo))
        {
            return Reject("notify_id or out_trade_no is missing");
        }
        var tradeStatus = fields.GetValueOrDefault("trade_status");
        TradeState? state = tradeStatus switch
        {
            "TRADE_SUCCESS" or "TRADE_FINISHED" => TradeState.Paid,
            "TRADE_CLOSED" => TradeState.Closed,
            "WAIT_BUYER_PAY" => TradeState.Pending,
            _ => null,
        };
        if (state is null)
        {
            return Reject($"trade_status \"{AlipayForm.Printable(tradeStatus)}\" is not one we know");
        }
        if (!AlipayAmount.TryParseFen(fields.GetValueOrDefault("total_amount"), out var totalFen))
        {
            return Reject($"total_amount \"{AlipayForm.Printable(fields.GetValueOrDefault("total_amount"))}\" is not an amount");
        }
        DateTimeOffset? paidAt = null;
        if (fields.GetValueOrDefault("gmt_payment") is { Length: > 0 } gmtPayment)
        {
            if (!AlipayTime.TryParse(gmtPayment, out var parsed))
            {
                return Reject($"gmt_payment \"{AlipayForm.Printable(gmtPayment)}\" is not a time");
            }
            paidAt = parsed;
        }
        var tradeNo = fields.GetValueOrDefault("trade_no") is { Length: > 0 } no ? no : null;

        var isRefund = fields.ContainsKey("refund_fee") || fields.ContainsKey("gmt_refund") || fields.ContainsKey("out_biz_no");
        if (!isRefund)
        {
            return new NotificationCheck.Verified(new PaymentNotification(NotificationKind.Payment, notifyId, outTradeNo, tradeNo,
                state.Value, totalFen, paidAt));
        }
        if (fields.GetValueOrDefault("out_biz_no") is not { Length: > 0 } outRefundNo)
        {
            return Reject("a refund notification without out_biz_no (our out_request_no)");
        }
        // AmountFen stays the trade's total_amount, for the caller's check against its order; refund_fee is the
        // trade's cumulative refunded total, not this refund's amount.
        return new NotificationCheck.Verified(new PaymentNotification(NotificationKind.Refund, notifyId, outTradeNo, tradeNo,
            TradeState.Refunded, totalFen, paidAt, outRefundNo, RefundState.Succeeded));
    }

    private static NotificationCheck.Rejected Reject(string reason) => new("alipay notification rejected: " + reason);
}
