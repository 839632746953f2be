using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Web;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>A trade as the fake gateway holds it.</summary>
public sealed record FakeAlipayTrade(string OutTradeNo, string TradeNo, long AmountFen, string Subject, string Status,
    DateTimeOffset? PaidAt, long RefundedFen, IReadOnlyDictionary<string, long> Refunds);

/// <summary>One request as it reached the gateway: the HTTP method, its Content-Type, and every parameter (query and form).</summary>
public sealed record FakeAlipayRequest(string HttpMethod, string? ContentType, IReadOnlyDictionary<string, string> Parameters);

/// <summary>
/// Alipay's open-platform gateway over real HTTP, as its documentation describes it, with keys made for the test:
/// Alipay's own pair (it signs every answer over the raw <c>*_response</c> JSON and every notification) and the app's
/// (it knows the public half and refuses requests not signed by it: 40002 isv.invalid-signature). It keeps trades;
/// <see cref="Pay"/> and <see cref="Finish"/> play the buyer and the passing of the refund window.
/// </summary>
public sealed class FakeAlipay : IAsyncDisposable
{
    public const string AppId = "2021000000000001";
    public const string SellerId = "2088000000000001";

    // Answers carry Chinese as UTF-8, like Alipay's: a client that re-serialises before verifying breaks on them.
    private static readonly JsonSerializerOptions AnswerJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly RSA _alipayKey = RSA.Create(2048);
    private readonly RSA _appKey = RSA.Create(2048);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TradeRecord> _trades = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeAlipayRequest> _requests = new();

    private FakeAlipay(WebApplication app)
    {
        _app = app;
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri BaseUrl { get; }
    public Uri GatewayUrl => new(BaseUrl, "gateway.do");

    /// <summary>The app's private key as the console would hand it to us (PKCS#8 PEM).</summary>
    public string AppPrivateKeyPem => _appKey.ExportPkcs8PrivateKeyPem();

    /// <summary>Alipay's public key as the console shows it: bare Base64 of the SubjectPublicKeyInfo.</summary>
    public string AlipayPublicKeyBase64 => Convert.ToBase64String(_alipayKey.ExportSubjectPublicKeyInfo());

    /// <summary>When set, the next answer's body is rewritten after it was signed (then it clears).</summary>
    public Func<string, string>? TamperNextAnswer { get; set; }

    /// <summary>When set, the next answer goes out without a sign (then it clears).</summary>
    public bool OmitNextSign { get; set; }

    public IReadOnlyList<FakeAlipayRequest> Requests => [.. _requests];

    /// <summary>Options for a client of this gateway (our app, its keys, a notify URL).</summary>
    public AlipayOptions ClientOptions(Uri? notifyUrl = null) => new()
    {
        GatewayUrl = GatewayUrl,
        AppId = AppId,
        SellerId = SellerId,
        AppPrivateKeyPem = AppPrivateKeyPem,
        AlipayPublicKey = AlipayPublicKeyBase64,
        NotifyUrl = notifyUrl ?? new Uri("https://bioaisaas.example/api/billing/alipay/notify"),
        ReturnUrl = new Uri("https://bioaisaas.example/billing/done"),
    };

    public static async Task<FakeAlipay> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeAlipay? fake = null;
        // A Func, not a RequestDelegate, so the IResult it returns is written to the response.
        Func<HttpContext, Task<IResult>> gateway = c => fake!.GatewayAsync(c);
        app.MapMethods("/gateway.do", ["GET", "POST"], gateway);
        await app.StartAsync();
        fake = new FakeAlipay(app);
        return fake;
    }

    /// <summary>The buyer scans and pays.</summary>
    public void Pay(string outTradeNo) => Update(outTradeNo, "WAIT_BUYER_PAY", t => t with { Status = "TRADE_SUCCESS", PaidAt = DateTimeOffset.UtcNow });

    /// <summary>The refund window passes: the trade is final.</summary>
    public void Finish(string outTradeNo) => Update(outTradeNo, "TRADE_SUCCESS", t => t with { Status = "TRADE_FINISHED" });

    public FakeAlipayTrade? Trade(string outTradeNo)
    {
        lock (_lock)
        {
            return _trades.TryGetValue(outTradeNo, out var t)
                ? new FakeAlipayTrade(t.OutTradeNo, t.TradeNo, t.AmountFen, t.Subject, t.Status, t.PaidAt, t.Refunds.Values.Sum(), t.Refunds)
                : null;
        }
    }

    /// <summary>
    /// The asynchronous notification Alipay would post for the trade now (or with <paramref name="status"/>), signed
    /// with Alipay's key over every field but sign and sign_type. <paramref name="overrides"/> change fields before
    /// signing (a validly signed notification for another app, say); <paramref name="refundOf"/> makes it the
    /// notification of that refund. Build once, deliver as often as a test likes.
    /// </summary>
    public ReceivedNotification BuildNotification(string outTradeNo, string? status = null,
        IReadOnlyDictionary<string, string>? overrides = null, string? refundOf = null, string charset = "utf-8")
    {
        var trade = Trade(outTradeNo) ?? throw new InvalidOperationException($"No trade {outTradeNo}.");
        var now = DateTimeOffset.UtcNow;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["notify_time"] = AlipayTime.Format(now),
            ["notify_type"] = "trade_status_sync",
            ["notify_id"] = Digits(34),
            ["app_id"] = AppId,
            ["auth_app_id"] = AppId,
            ["charset"] = charset,
            ["version"] = "1.0",
            ["sign_type"] = "RSA2",
            ["trade_no"] = trade.TradeNo,
            ["out_trade_no"] = trade.OutTradeNo,
            ["seller_id"] = SellerId,
            ["buyer_id"] = "2088102177846880",
            ["trade_status"] = status ?? trade.Status,
            ["total_amount"] = AlipayAmount.FromFen(trade.AmountFen),
            ["receipt_amount"] = AlipayAmount.FromFen(trade.AmountFen),
            ["buyer_pay_amount"] = AlipayAmount.FromFen(trade.AmountFen),
            ["point_amount"] = "0.00",
            ["subject"] = trade.Subject,
            ["gmt_create"] = AlipayTime.Format(now.AddMinutes(-5)),
            ["gmt_payment"] = trade.PaidAt is { } paidAt ? AlipayTime.Format(paidAt) : "",
            ["fund_bill_list"] = $"[{{\"amount\":\"{AlipayAmount.FromFen(trade.AmountFen)}\",\"fundChannel\":\"ALIPAYACCOUNT\"}}]",
        };
        if (refundOf is not null)
        {
            fields["out_biz_no"] = refundOf;
            fields["refund_fee"] = AlipayAmount.FromFen(trade.RefundedFen);
            fields["gmt_refund"] = AlipayTime.Format(now) + ".123";
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            fields[key] = value;
        }
        fields.Remove("sign");
        var encoding = charset == "utf-8" ? Encoding.UTF8 : CodePagesEncodingProvider.Instance.GetEncoding(charset)!;
        fields["sign"] = AlipaySignature.Sign(AlipaySignature.NotificationSignContent(fields), _alipayKey, encoding);
        var body = string.Join('&', fields.Where(f => f.Value.Length > 0)
            .Select(f => f.Key + "=" + HttpUtility.UrlEncode(f.Value, encoding)));
        return new ReceivedNotification(
            new Dictionary<string, string> { ["content-type"] = $"application/x-www-form-urlencoded; charset={charset}" }, body);
    }

    /// <summary>Posts a notification as Alipay does; true when the merchant acknowledged it with exactly "success".</summary>
    public static async Task<bool> PostNotificationAsync(Uri url, ReceivedNotification notification, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var content = new StringContent(notification.Body, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(url, content, cancellationToken);
        return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync(cancellationToken) == "success";
    }

    private async Task<IResult> GatewayAsync(HttpContext context)
    {
        var request = context.Request;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<IEnumerable<KeyValuePair<string, StringValues>>> { request.Query };
        if (request.HasFormContentType)
        {
            sources.Add(await request.ReadFormAsync(context.RequestAborted));
        }
        foreach (var (key, values) in sources.SelectMany(s => s))
        {
            if (values.Count != 1 || !parameters.TryAdd(key, values.ToString()))
            {
                return Answer("error_response", Error("40002", "Invalid Arguments", "isv.invalid-parameter", $"参数 {key} 重复"));
            }
        }
        _requests.Enqueue(new FakeAlipayRequest(request.Method, request.ContentType, parameters));

        var method = parameters.GetValueOrDefault("method") ?? "";
        var node = method.Length == 0 ? AlipayResponseBody.ErrorNode : AlipayResponseBody.NodeName(method);
        if (Refuse(parameters) is { } refusal)
        {
            return method == "alipay.trade.page.pay" ? Results.BadRequest(refusal["sub_code"]) : Answer(node, refusal);
        }
        Dictionary<string, string> biz;
        try
        {
            biz = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parameters["biz_content"])!
                .ToDictionary(p => p.Key, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
        }
        catch (JsonException)
        {
            return Answer(node, Error("40002", "Invalid Arguments", "isv.invalid-parameter", "biz_content 不是 JSON"));
        }
        lock (_lock)
        {
            return method switch
            {
                "alipay.trade.page.pay" => PagePay(biz),
                "alipay.trade.precreate" => Answer(node, Precreate(biz)),
                "alipay.trade.query" => Answer(node, Query(biz)),
                "alipay.trade.close" => Answer(node, Close(biz)),
                "alipay.trade.refund" => Answer(node, Refund(biz)),
                "alipay.trade.fastpay.refund.query" => Answer(node, RefundQuery(biz)),
                _ => Answer(AlipayResponseBody.ErrorNode, Error("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名")),
            };
        }
    }

    // The common parameters, and our app's signature over all of them but sign (sign_type included).
    private Dictionary<string, object>? Refuse(Dictionary<string, string> p)
    {
        if (p.GetValueOrDefault("app_id") != AppId)
        {
            return Error("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数");
        }
        if (p.GetValueOrDefault("sign_type") != "RSA2" || p.GetValueOrDefault("charset") != "utf-8" || p.GetValueOrDefault("format") != "JSON"
            || p.GetValueOrDefault("version") != "1.0" || !AlipayTime.TryParse(p.GetValueOrDefault("timestamp"), out _)
            || !p.ContainsKey("biz_content"))
        {
            return Error("40002", "Invalid Arguments", "isv.missing-or-invalid-common-parameter", "公共参数缺失或无效");
        }
        if (!AlipaySignature.Verify(AlipaySignature.RequestSignContent(p), p.GetValueOrDefault("sign"), _appKey))
        {
            return Error("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错");
        }
        return null;
    }

    private IResult PagePay(Dictionary<string, string> biz)
    {
        if (biz.GetValueOrDefault("product_code") != "FAST_INSTANT_TRADE_PAY" || Create(biz) is not null)
        {
            return Results.BadRequest("invalid page pay request");
        }
        return Results.Content($"<html><body><h1>支付宝收银台</h1><p>{biz["out_trade_no"]}</p></body></html>", "text/html; charset=utf-8");
    }

    private Dictionary<string, object> Precreate(Dictionary<string, string> biz)
    {
        if (Create(biz) is { } error)
        {
            return error;
        }
        var trade = _trades[biz["out_trade_no"]];
        return Success(new() { ["out_trade_no"] = trade.OutTradeNo, ["qr_code"] = trade.QrCode });
    }

    // Creates the trade, or finds the unpaid one already created under this out_trade_no (Alipay answers a repeated
    // precreate with the same code).
    private Dictionary<string, object>? Create(Dictionary<string, string> biz)
    {
        var outTradeNo = biz.GetValueOrDefault("out_trade_no") ?? "";
        if (outTradeNo.Length is 0 or > 64 || !AlipayAmount.TryParseFen(biz.GetValueOrDefault("total_amount"), out var fen)
            || fen is <= 0 or > 10_000_000_000 || string.IsNullOrEmpty(biz.GetValueOrDefault("subject"))
            || !AlipayTime.TryParse(biz.GetValueOrDefault("time_expire"), out _))
        {
            return Error("40004", "Business Failed", "ACQ.INVALID_PARAMETER", "参数无效");
        }
        if (_trades.TryGetValue(outTradeNo, out var existing))
        {
            return existing.Status switch
            {
                "WAIT_BUYER_PAY" when existing.AmountFen == fen => null,
                "WAIT_BUYER_PAY" => Error("40004", "Business Failed", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"),
                "TRADE_CLOSED" => Error("40004", "Business Failed", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭"),
                _ => Error("40004", "Business Failed", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付"),
            };
        }
        _trades[outTradeNo] = new TradeRecord(outTradeNo, DateTimeOffset.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "22001" + Digits(15),
            fen, biz["subject"], "https://qr.alipay.com/bax" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), "WAIT_BUYER_PAY", null,
            new Dictionary<string, long>(StringComparer.Ordinal));
        return null;
    }

    private Dictionary<string, object> Query(Dictionary<string, string> biz)
    {
        if (!_trades.TryGetValue(biz.GetValueOrDefault("out_trade_no") ?? "", out var trade))
        {
            return TradeNotExist();
        }
        var answer = new Dictionary<string, object>
        {
            ["trade_no"] = trade.TradeNo,
            ["out_trade_no"] = trade.OutTradeNo,
            ["buyer_logon_id"] = "159****5620",
            ["trade_status"] = trade.Status,
            ["total_amount"] = AlipayAmount.FromFen(trade.AmountFen),
            ["buyer_pay_amount"] = AlipayAmount.FromFen(trade.PaidAt is null ? 0 : trade.AmountFen),
        };
        if (trade.PaidAt is { } paidAt)
        {
            answer["send_pay_date"] = AlipayTime.Format(paidAt);
            answer["fund_bill_list"] = new[] { new Dictionary<string, string> { ["fund_channel"] = "ALIPAYACCOUNT", ["amount"] = AlipayAmount.FromFen(trade.AmountFen) } };
        }
        answer["subject"] = trade.Subject;
        return Success(answer);
    }

    private Dictionary<string, object> Close(Dictionary<string, string> biz)
    {
        if (!_trades.TryGetValue(biz.GetValueOrDefault("out_trade_no") ?? "", out var trade))
        {
            return TradeNotExist();
        }
        if (trade.Status is not ("WAIT_BUYER_PAY" or "TRADE_CLOSED"))
        {
            return Error("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
        }
        _trades[trade.OutTradeNo] = trade with { Status = "TRADE_CLOSED" };
        return Success(new() { ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.OutTradeNo });
    }

    // Idempotent by out_request_no: the same request again moves no money (fund_change N); refunds never exceed the payment.
    private Dictionary<string, object> Refund(Dictionary<string, string> biz)
    {
        if (!_trades.TryGetValue(biz.GetValueOrDefault("out_trade_no") ?? "", out var trade))
        {
            return TradeNotExist();
        }
        if (!AlipayAmount.TryParseFen(biz.GetValueOrDefault("refund_amount"), out var fen) || fen <= 0)
        {
            return Error("40004", "Business Failed", "ACQ.INVALID_PARAMETER", "退款金额无效");
        }
        var requestNo = biz.GetValueOrDefault("out_request_no") ?? trade.OutTradeNo;
        var fundChange = "N";
        if (trade.Refunds.TryGetValue(requestNo, out var earlier))
        {
            if (earlier != fen)
            {
                return Error("40004", "Business Failed", "ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致");
            }
        }
        else
        {
            if (trade.Status == "TRADE_FINISHED")
            {
                return Error("40004", "Business Failed", "ACQ.TRADE_HAS_FINISHED", "交易已完结");
            }
            if (trade.Status != "TRADE_SUCCESS")
            {
                return Error("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
            }
            if (trade.Refunds.Values.Sum() + fen > trade.AmountFen)
            {
                return Error("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
            }
            var refunds = new Dictionary<string, long>(trade.Refunds, StringComparer.Ordinal) { [requestNo] = fen };
            trade = trade with { Refunds = refunds, Status = refunds.Values.Sum() == trade.AmountFen ? "TRADE_CLOSED" : trade.Status };
            _trades[trade.OutTradeNo] = trade;
            fundChange = "Y";
        }
        return Success(new()
        {
            ["trade_no"] = trade.TradeNo,
            ["out_trade_no"] = trade.OutTradeNo,
            ["buyer_logon_id"] = "159****5620",
            ["fund_change"] = fundChange,
            ["refund_fee"] = AlipayAmount.FromFen(trade.Refunds.Values.Sum()),
            ["gmt_refund_pay"] = AlipayTime.Format(DateTimeOffset.UtcNow),
        });
    }

    private Dictionary<string, object> RefundQuery(Dictionary<string, string> biz)
    {
        if (!_trades.TryGetValue(biz.GetValueOrDefault("out_trade_no") ?? "", out var trade))
        {
            return TradeNotExist();
        }
        var requestNo = biz.GetValueOrDefault("out_request_no") ?? "";
        if (!trade.Refunds.TryGetValue(requestNo, out var fen))
        {
            // Alipay's way of saying "no such refund": success, without the refund's data.
            return Success(new());
        }
        return Success(new()
        {
            ["trade_no"] = trade.TradeNo,
            ["out_trade_no"] = trade.OutTradeNo,
            ["out_request_no"] = requestNo,
            ["total_amount"] = AlipayAmount.FromFen(trade.AmountFen),
            ["refund_amount"] = AlipayAmount.FromFen(fen),
            ["refund_status"] = "REFUND_SUCCESS",
        });
    }

    private void Update(string outTradeNo, string expectedStatus, Func<TradeRecord, TradeRecord> change)
    {
        lock (_lock)
        {
            if (!_trades.TryGetValue(outTradeNo, out var trade) || trade.Status != expectedStatus)
            {
                throw new InvalidOperationException($"Trade {outTradeNo} is not {expectedStatus}.");
            }
            _trades[outTradeNo] = change(trade);
        }
    }

    // Alipay signs the node's bytes as written; the body around it is assembled by hand so nothing re-serialises them.
    private IResult Answer(string node, Dictionary<string, object> fields)
    {
        var json = JsonSerializer.Serialize(fields, AnswerJson);
        var sign = AlipaySignature.Sign(json, _alipayKey);
        var body = OmitNextSign ? $"{{\"{node}\":{json}}}" : $"{{\"{node}\":{json},\"sign\":\"{sign}\"}}";
        OmitNextSign = false;
        if (TamperNextAnswer is { } tamper)
        {
            TamperNextAnswer = null;
            body = tamper(body);
        }
        return Results.Text(body, "application/json; charset=utf-8", Encoding.UTF8);
    }

    private static Dictionary<string, object> Success(Dictionary<string, object> fields)
    {
        var answer = new Dictionary<string, object> { ["code"] = "10000", ["msg"] = "Success" };
        foreach (var (key, value) in fields)
        {
            answer[key] = value;
        }
        return answer;
    }

    private static Dictionary<string, object> Error(string code, string msg, string subCode, string subMsg) =>
        new() { ["code"] = code, ["msg"] = msg, ["sub_code"] = subCode, ["sub_msg"] = subMsg };

    private static Dictionary<string, object> TradeNotExist() => Error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在");

    private static string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _alipayKey.Dispose();
        _appKey.Dispose();
    }

    private sealed record TradeRecord(string OutTradeNo, string TradeNo, long AmountFen, string Subject, string QrCode, string Status,
        DateTimeOffset? PaidAt, IReadOnlyDictionary<string, long> Refunds);
}
