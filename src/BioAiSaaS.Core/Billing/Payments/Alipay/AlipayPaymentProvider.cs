using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>
/// Alipay open platform (public-key mode, RSA2) behind <see cref="IPaymentProvider"/>: face-to-face QR orders
/// (<c>alipay.trade.precreate</c>), computer-website page pay (<c>alipay.trade.page.pay</c>, a signed redirect built
/// locally), query, close, refund and refund query, and verification of Alipay's asynchronous notifications.
/// Every answer's signature is checked over its raw bytes before anything in it is believed.
/// </summary>
public sealed class AlipayPaymentProvider(HttpClient http, AlipayAccount account, TimeProvider time, ILogger<AlipayPaymentProvider> logger)
    : IPaymentProvider
{
    public const string ProviderName = "alipay";

    internal const string TradeNotExist = "ACQ.TRADE_NOT_EXIST";

    // biz_content is JSON inside a form field, never HTML: Chinese subjects go out as UTF-8, as Alipay's SDKs send them.
    private static readonly JsonSerializerOptions BizJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Name => ProviderName;

    public async Task<CreatedOrder> CreateOrderAsync(OrderRequest order, CancellationToken cancellationToken)
    {
        AlipayInput.Order(order, time.GetUtcNow());
        var biz = new Dictionary<string, string>
        {
            ["out_trade_no"] = order.OutTradeNo,
            ["total_amount"] = AlipayAmount.FromFen(order.AmountFen),
            ["subject"] = order.Description,
            ["time_expire"] = AlipayTime.Format(order.ExpiresAt),
        };
        if (order.PageRedirect)
        {
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY";
            return new CreatedOrder(order.OutTradeNo, null, PagePayUrl(biz));
        }
        biz["product_code"] = "FACE_TO_FACE_PAYMENT";
        var reply = await CallAsync("alipay.trade.precreate", biz, withNotifyUrl: true, cancellationToken);
        reply.ThrowUnlessSuccess();
        reply.CheckEcho("out_trade_no", order.OutTradeNo);
        var qrCode = reply.Get("qr_code") ?? throw reply.Malformed("no qr_code");
        return new CreatedOrder(order.OutTradeNo, qrCode, null);
    }

    /// <summary>
    /// Alipay's <c>trade_status</c> mapped onto ours: WAIT_BUYER_PAY → Pending; TRADE_SUCCESS and TRADE_FINISHED →
    /// Paid (a partial refund leaves a trade TRADE_SUCCESS, and the query does not say it happened: the billing
    /// journal knows its own refunds); TRADE_CLOSED → Refunded when it had been paid (a full refund closes a trade;
    /// the answer then still carries the payment's <c>send_pay_date</c> or a non-zero <c>buyer_pay_amount</c>),
    /// otherwise Closed. ACQ.TRADE_NOT_EXIST → NotFound — which is also what Alipay answers for a QR order nobody
    /// has scanned yet, as it creates the trade on the scan.
    /// </summary>
    public async Task<TradeStatus> QueryOrderAsync(string outTradeNo, CancellationToken cancellationToken)
    {
        AlipayInput.OutTradeNo(outTradeNo, nameof(outTradeNo));
        var reply = await CallAsync("alipay.trade.query", new Dictionary<string, string> { ["out_trade_no"] = outTradeNo },
            withNotifyUrl: false, cancellationToken);
        if (!reply.IsSuccess)
        {
            return reply.SubCode == TradeNotExist ? new TradeStatus(outTradeNo, TradeState.NotFound, null, null, null) : throw reply.Failure();
        }
        reply.CheckEcho("out_trade_no", outTradeNo);
        var paidAt = reply.Time("send_pay_date");
        var wasPaid = paidAt is not null || reply.Fen("buyer_pay_amount") > 0;
        var state = reply.Get("trade_status") switch
        {
            "WAIT_BUYER_PAY" => TradeState.Pending,
            "TRADE_SUCCESS" or "TRADE_FINISHED" => TradeState.Paid,
            "TRADE_CLOSED" => wasPaid ? TradeState.Refunded : TradeState.Closed,
            var other => throw reply.Malformed($"trade_status \"{AlipayForm.Printable(other)}\""),
        };
        return new TradeStatus(outTradeNo, state, reply.Get("trade_no"), reply.Fen("total_amount"),
            state is TradeState.Paid or TradeState.Refunded ? paidAt : null);
    }

    /// <summary>
    /// Closes an unpaid trade. ACQ.TRADE_NOT_EXIST counts as closed: Alipay has no trade that could be paid yet
    /// (an unscanned QR). It could still be scanned until its <c>time_expire</c>, so a payment notification after a
    /// close must still be handled (refunded) by the billing code.
    /// </summary>
    public async Task CloseOrderAsync(string outTradeNo, CancellationToken cancellationToken)
    {
        AlipayInput.OutTradeNo(outTradeNo, nameof(outTradeNo));
        var reply = await CallAsync("alipay.trade.close", new Dictionary<string, string> { ["out_trade_no"] = outTradeNo },
            withNotifyUrl: false, cancellationToken);
        if (reply.IsSuccess)
        {
            return;
        }
        if (reply.SubCode == TradeNotExist)
        {
            logger.LogInformation("Alipay has no trade {OutTradeNo} to close (never scanned); it lapses at its time_expire.", outTradeNo);
            return;
        }
        throw reply.Failure();
    }

    /// <summary>
    /// Refunds with <c>out_request_no</c> as the idempotency key. <c>fund_change</c> Y means this call moved the
    /// money; N means it moved before (a repeated request) or has not moved yet, so the refund query decides.
    /// </summary>
    public async Task<RefundStatus> RefundAsync(RefundRequest refund, CancellationToken cancellationToken)
    {
        AlipayInput.Refund(refund);
        var biz = new Dictionary<string, string>
        {
            ["out_trade_no"] = refund.OutTradeNo,
            ["refund_amount"] = AlipayAmount.FromFen(refund.RefundFen),
            ["out_request_no"] = refund.OutRefundNo,
        };
        if (!string.IsNullOrWhiteSpace(refund.Reason))
        {
            biz["refund_reason"] = refund.Reason;
        }
        var reply = await CallAsync("alipay.trade.refund", biz, withNotifyUrl: false, cancellationToken);
        reply.ThrowUnlessSuccess();
        reply.CheckEcho("out_trade_no", refund.OutTradeNo);
        if (reply.Get("fund_change") == "Y")
        {
            return new RefundStatus(refund.OutTradeNo, refund.OutRefundNo, RefundState.Succeeded, refund.RefundFen, null);
        }
        var settled = await QueryRefundAsync(refund.OutTradeNo, refund.OutRefundNo, cancellationToken);
        // Accepted a moment ago but not visible to the query yet: still on its way.
        return settled.State == RefundState.NotFound ? settled with { State = RefundState.Processing, AmountFen = refund.RefundFen } : settled;
    }

    /// <summary>
    /// <c>alipay.trade.fastpay.refund.query</c>: an answer without the refund's data means Alipay has no such refund
    /// (NotFound, as for an unknown trade); <c>refund_status</c> REFUND_SUCCESS means done; data without that status
    /// means not done yet (Alipay documents a missing status as "not received or not succeeded"), so Processing.
    /// </summary>
    public async Task<RefundStatus> QueryRefundAsync(string outTradeNo, string outRefundNo, CancellationToken cancellationToken)
    {
        AlipayInput.OutTradeNo(outTradeNo, nameof(outTradeNo));
        AlipayInput.OutRefundNo(outRefundNo, nameof(outRefundNo));
        var reply = await CallAsync("alipay.trade.fastpay.refund.query",
            new Dictionary<string, string> { ["out_trade_no"] = outTradeNo, ["out_request_no"] = outRefundNo },
            withNotifyUrl: false, cancellationToken);
        var notFound = new RefundStatus(outTradeNo, outRefundNo, RefundState.NotFound, null, null);
        if (!reply.IsSuccess)
        {
            return reply.SubCode == TradeNotExist ? notFound : throw reply.Failure();
        }
        if (reply.Get("out_request_no") is null && reply.Get("refund_amount") is null)
        {
            return notFound;
        }
        reply.CheckEcho("out_trade_no", outTradeNo);
        reply.CheckEcho("out_request_no", outRefundNo);
        var state = reply.Get("refund_status") == "REFUND_SUCCESS" ? RefundState.Succeeded : RefundState.Processing;
        return new RefundStatus(outTradeNo, outRefundNo, state, reply.Fen("refund_amount"), null);
    }

    public NotificationCheck VerifyNotification(ReceivedNotification notification) =>
        AlipayNotifications.Check(notification, account);

    /// <summary>The browser goes to the gateway with every parameter, signed, in the query string.</summary>
    private string PagePayUrl(Dictionary<string, string> biz)
    {
        var parameters = CommonParameters("alipay.trade.page.pay", withNotifyUrl: true, withReturnUrl: true);
        parameters["biz_content"] = JsonSerializer.Serialize(biz, BizJson);
        parameters["sign"] = account.Sign(AlipaySignature.RequestSignContent(parameters));
        return WithQuery(account.GatewayUrl, parameters);
    }

    /// <summary>
    /// POSTs one API call. Like Alipay's own SDKs, the common parameters (signature included) travel in the query
    /// string, so the gateway knows the charset before it decodes the body, and biz_content in the form body.
    /// </summary>
    private async Task<AlipayReply> CallAsync(string method, Dictionary<string, string> biz, bool withNotifyUrl,
        CancellationToken cancellationToken)
    {
        var parameters = CommonParameters(method, withNotifyUrl, withReturnUrl: false);
        var bizContent = JsonSerializer.Serialize(biz, BizJson);
        parameters["biz_content"] = bizContent;
        parameters["sign"] = account.Sign(AlipaySignature.RequestSignContent(parameters));
        parameters.Remove("biz_content");

        using var content = new StringContent(AlipayForm.Encode([new("biz_content", bizContent)]), Encoding.UTF8,
            "application/x-www-form-urlencoded");
        byte[] body;
        try
        {
            using var response = await http.PostAsync(new Uri(WithQuery(account.GatewayUrl, parameters)), content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new PaymentProviderException(ProviderName, $"HTTP {(int)response.StatusCode}", $"{method}: the gateway answered {response.StatusCode}.");
            }
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new PaymentProviderException(ProviderName, null, $"{method}: the gateway could not be reached.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PaymentProviderException(ProviderName, null, $"{method}: the gateway did not answer in time.", ex);
        }

        var reply = AlipayReply.Read(method, body, account);
        if (!reply.IsSuccess)
        {
            logger.LogWarning("Alipay {Method} answered {Code} {SubCode}.", method, reply.Code, reply.SubCode);
        }
        return reply;
    }

    private Dictionary<string, string> CommonParameters(string method, bool withNotifyUrl, bool withReturnUrl)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = account.AppId,
            ["method"] = method,
            ["format"] = "JSON",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = AlipayTime.Format(time.GetUtcNow()),
            ["version"] = "1.0",
        };
        if (withNotifyUrl && account.NotifyUrl is { } notifyUrl)
        {
            parameters["notify_url"] = notifyUrl.AbsoluteUri;
        }
        if (withReturnUrl && account.ReturnUrl is { } returnUrl)
        {
            parameters["return_url"] = returnUrl.AbsoluteUri;
        }
        return parameters;
    }

    private static string WithQuery(Uri gateway, IEnumerable<KeyValuePair<string, string>> parameters) =>
        gateway.AbsoluteUri + (string.IsNullOrEmpty(gateway.Query) ? "?" : "&") + AlipayForm.Encode(parameters);
}
