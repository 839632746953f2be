using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

/// <summary>
/// WeChat Pay API v3 for a direct merchant, Native (QR code) payments: every request signed with the merchant key,
/// every answer verified with a platform key before a word of it is believed. Transport failures, error answers
/// and unverifiable answers are <see cref="PaymentProviderException"/>s; "no such order" and "no such refund" are
/// states (<see cref="TradeState.NotFound"/>, <see cref="RefundState.NotFound"/>), because billing acts on them.
/// </summary>
public sealed partial class WeChatPayProvider(HttpClient http, WeChatPayCredentials credentials, TimeProvider time) : IPaymentProvider
{
    public const string ProviderName = "wechatpay";

    private const string JsonMediaType = "application/json";

    private WeChatPayOptions Options => credentials.Options;

    public string Name => ProviderName;

    public async Task<CreatedOrder> CreateOrderAsync(OrderRequest order, CancellationToken cancellationToken)
    {
        CheckOutTradeNo(order.OutTradeNo);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(order.AmountFen, nameof(order));
        if (string.IsNullOrWhiteSpace(order.Description) || order.Description.Length > 127)
        {
            throw new ArgumentException("The description is 1–127 characters.", nameof(order));
        }
        if (order.PageRedirect)
        {
            throw new ArgumentException("WeChat Pay Native has no page redirect; only Alipay does.", nameof(order));
        }
        var body = new NativeOrderBody(Options.AppId!, Options.MchId!, order.Description, order.OutTradeNo,
            WeChatPayWire.Rfc3339(order.ExpiresAt), Options.NotifyUrl!.AbsoluteUri, new OrderAmount(order.AmountFen, WeChatPayWire.Currency));
        var response = await SendAsync(HttpMethod.Post, "/v3/pay/transactions/native", body, cancellationToken);
        var created = Read<NativeOrderResponse>(response.EnsureSuccess());
        return string.IsNullOrEmpty(created.CodeUrl)
            ? throw new PaymentProviderException(ProviderName, null, "The order was created without a code_url.")
            : new CreatedOrder(order.OutTradeNo, created.CodeUrl, RedirectUrl: null);
    }

    public async Task<TradeStatus> QueryOrderAsync(string outTradeNo, CancellationToken cancellationToken)
    {
        CheckOutTradeNo(outTradeNo);
        var response = await SendAsync(HttpMethod.Get,
            $"/v3/pay/transactions/out-trade-no/{outTradeNo}?mchid={Uri.EscapeDataString(Options.MchId!)}", body: null, cancellationToken);
        if (response.Is(HttpStatusCode.NotFound, "ORDER_NOT_EXIST"))
        {
            return new TradeStatus(outTradeNo, TradeState.NotFound, null, null, null);
        }
        var trade = Read<TransactionResource>(response.EnsureSuccess());
        if (trade.OutTradeNo != outTradeNo)
        {
            throw new PaymentProviderException(ProviderName, null, $"Asked for {outTradeNo}, answered about {trade.OutTradeNo}.");
        }
        var state = WeChatPayWire.TradeStateOf(trade.TradeState)
            ?? throw new PaymentProviderException(ProviderName, null, $"Unknown trade_state {trade.TradeState}.");
        return new TradeStatus(outTradeNo, state, trade.TransactionId, trade.Amount?.Total, WeChatPayWire.ParseTime(trade.SuccessTime));
    }

    public async Task CloseOrderAsync(string outTradeNo, CancellationToken cancellationToken)
    {
        CheckOutTradeNo(outTradeNo);
        var response = await SendAsync(HttpMethod.Post, $"/v3/pay/transactions/out-trade-no/{outTradeNo}/close",
            new CloseOrderBody(Options.MchId!), cancellationToken);
        response.EnsureSuccess();
    }

    public async Task<RefundStatus> RefundAsync(RefundRequest refund, CancellationToken cancellationToken)
    {
        CheckOutTradeNo(refund.OutTradeNo);
        CheckOutRefundNo(refund.OutRefundNo);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refund.RefundFen, nameof(refund));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refund.TotalFen, nameof(refund));
        if (refund.RefundFen > refund.TotalFen)
        {
            throw new ArgumentException("A refund cannot exceed the order's total.", nameof(refund));
        }
        if (refund.Reason?.Length > 80)
        {
            throw new ArgumentException("The refund reason is at most 80 characters.", nameof(refund));
        }
        var body = new RefundBody(refund.OutTradeNo, refund.OutRefundNo, string.IsNullOrWhiteSpace(refund.Reason) ? null : refund.Reason,
            Options.NotifyUrl!.AbsoluteUri, new RefundAmountBody(refund.RefundFen, refund.TotalFen, WeChatPayWire.Currency));
        var response = await SendAsync(HttpMethod.Post, "/v3/refund/domestic/refunds", body, cancellationToken);
        return ToStatus(refund.OutTradeNo, refund.OutRefundNo, Read<RefundResource>(response.EnsureSuccess()));
    }

    public async Task<RefundStatus> QueryRefundAsync(string outTradeNo, string outRefundNo, CancellationToken cancellationToken)
    {
        CheckOutTradeNo(outTradeNo);
        CheckOutRefundNo(outRefundNo);
        var response = await SendAsync(HttpMethod.Get, $"/v3/refund/domestic/refunds/{Uri.EscapeDataString(outRefundNo)}", body: null,
            cancellationToken);
        if (response.Is(HttpStatusCode.NotFound, "RESOURCE_NOT_EXISTS"))
        {
            return new RefundStatus(outTradeNo, outRefundNo, RefundState.NotFound, null, null);
        }
        return ToStatus(outTradeNo, outRefundNo, Read<RefundResource>(response.EnsureSuccess()));
    }

    public NotificationCheck VerifyNotification(ReceivedNotification notification) =>
        new WeChatPayNotificationVerifier(credentials, time).Verify(notification);

    private static RefundStatus ToStatus(string outTradeNo, string outRefundNo, RefundResource refund)
    {
        // The refund number is our idempotency key: an answer about another trade means the key was reused.
        if (refund.OutRefundNo != outRefundNo || refund.OutTradeNo != outTradeNo)
        {
            throw new PaymentProviderException(ProviderName, null,
                $"Asked about refund {outRefundNo} of {outTradeNo}, answered about {refund.OutRefundNo} of {refund.OutTradeNo}.");
        }
        var state = WeChatPayWire.RefundStateOf(refund.Status)
            ?? throw new PaymentProviderException(ProviderName, null, $"Unknown refund status {refund.Status}.");
        return new RefundStatus(outTradeNo, outRefundNo, state, refund.Amount?.Refund, refund.RefundId);
    }

    /// <summary>
    /// Signs and sends one call and verifies the answer. A 2xx that does not verify is an exception here, as is a
    /// 404 (it becomes a NotFound state); other errors are not verified, since nothing is believed from them but
    /// their code, and WeChat Pay leaves some of them (gateway failures) unsigned.
    /// </summary>
    private async Task<WeChatPayResponse> SendAsync(HttpMethod method, string pathAndQuery, object? body, CancellationToken cancellationToken)
    {
        var json = body is null ? "" : JsonSerializer.Serialize(body, body.GetType(), WeChatPayWire.Json);
        using var request = new HttpRequestMessage(method, new Uri(Options.BaseUrl, pathAndQuery));
        request.Headers.Authorization = WeChatPaySignature.Authorization(credentials.MerchantKey, Options.MchId!, Options.MerchantSerialNo!,
            method.Method, request.RequestUri!.PathAndQuery, time.GetUtcNow(), json);
        request.Headers.Accept.ParseAdd(JsonMediaType);
        // WeChat Pay asks API clients to identify themselves; some gateways refuse requests without a User-Agent.
        request.Headers.UserAgent.ParseAdd("BioAiSaaS/1.0");
        if (body is not null)
        {
            // Exactly the bytes that were signed, with no charset parameter added to the content type.
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json)) { Headers = { ContentType = new MediaTypeHeaderValue(JsonMediaType) } };
        }
        HttpResponseMessage? response = null;
        byte[] content;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        // Whatever the transport throws (sockets, TLS, HttpClient's timeout, a resilience pipeline's rejection) is
        // "the provider did not answer"; only our own caller's cancellation stays a cancellation.
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            response?.Dispose();
            throw new PaymentProviderException(ProviderName, null, $"{method} {request.RequestUri.AbsolutePath} got no answer: {e.Message}", e);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
            {
                VerifyResponse(response, content);
            }
            return new WeChatPayResponse(response.StatusCode, content, ParseError(response.IsSuccessStatusCode, content));
        }
    }

    private void VerifyResponse(HttpResponseMessage response, byte[] content)
    {
        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
        var timestamp = Header("Wechatpay-Timestamp");
        var nonce = Header("Wechatpay-Nonce");
        var signature = Header("Wechatpay-Signature");
        var serial = Header("Wechatpay-Serial");
        var problem = timestamp is null || nonce is null || signature is null || serial is null
            ? "The answer is not signed (a Wechatpay-Timestamp, -Nonce, -Signature or -Serial header is missing)."
            : credentials.CheckPlatformSignature(serial, timestamp, nonce, signature, content, time.GetUtcNow());
        if (problem is not null)
        {
            throw new PaymentProviderException(ProviderName, "UNVERIFIED_RESPONSE", problem);
        }
    }

    private static ErrorBody? ParseError(bool success, byte[] content)
    {
        if (success)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ErrorBody>(content, WeChatPayWire.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Read<T>(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(content, WeChatPayWire.Json)
                ?? throw new PaymentProviderException(ProviderName, null, "The answer is empty.");
        }
        catch (JsonException e)
        {
            throw new PaymentProviderException(ProviderName, null, "The answer is not the JSON expected.", e);
        }
    }

    private static void CheckOutTradeNo(string outTradeNo)
    {
        if (!OutTradeNoPattern().IsMatch(outTradeNo ?? ""))
        {
            throw new ArgumentException("out_trade_no is 6–32 characters of [A-Za-z0-9_-].", nameof(outTradeNo));
        }
    }

    private static void CheckOutRefundNo(string outRefundNo)
    {
        if (!OutRefundNoPattern().IsMatch(outRefundNo ?? ""))
        {
            throw new ArgumentException("out_refund_no is 1–64 characters of [A-Za-z0-9_-|*@].", nameof(outRefundNo));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{6,32}$")]
    private static partial Regex OutTradeNoPattern();

    [GeneratedRegex("^[A-Za-z0-9_\\-|*@]{1,64}$")]
    private static partial Regex OutRefundNoPattern();

    /// <summary>An answer read to the end, with its error body when it was not a success.</summary>
    private sealed record WeChatPayResponse(HttpStatusCode Status, byte[] Content, ErrorBody? Error)
    {
        public bool Is(HttpStatusCode status, string code) => Status == status && Error?.Code == code;

        public byte[] EnsureSuccess() => (int)Status is >= 200 and < 300
            ? Content
            : throw new PaymentProviderException(ProviderName, Error?.Code,
                Error?.Message ?? $"HTTP {(int)Status} without an error body.");
    }
}
