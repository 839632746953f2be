using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BioAiSaaS.Core.Billing.Payments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>Which platform key signs: the certificate (<c>Wechatpay-Serial</c> its serial) or the public key
/// (<c>Wechatpay-Serial</c> its <c>PUB_KEY_ID_…</c>).</summary>
public enum PlatformKeyMode
{
    Certificate,
    PublicKey,
}

/// <summary>Ways the fake can spoil its answers, to show that the client believes none of them.</summary>
public enum ResponseFault
{
    None,
    /// <summary>Signed by some other key, under the real serial.</summary>
    ForgedSignature,
    /// <summary>Signed properly, ten minutes ago.</summary>
    StaleTimestamp,
    /// <summary>Signed properly, under a serial the merchant never configured.</summary>
    UnknownSerial,
    /// <summary>No Wechatpay-* headers at all.</summary>
    NoSignature,
    /// <summary>Signed, then the body changed on the way.</summary>
    TamperedBody,
}

/// <summary>
/// WeChat Pay API v3 (direct merchant, Native) over real HTTP, written from the protocol and independent of the
/// client's code: it checks the <c>WECHATPAY2-SHA256-RSA2048</c> Authorization of every request against the merchant's
/// public key (401 SIGN_ERROR otherwise), keeps orders and refunds, and signs every answer with a platform key of its
/// own, a self-signed certificate's or a <c>PUB_KEY_ID_…</c> key's (<see cref="ResponseSigning"/>). Tests play the
/// payer with <see cref="Pay"/> and receive notifications from <see cref="BuildNotification"/> and
/// <see cref="BuildRefundNotification"/>, as many times as they like.
/// </summary>
public sealed partial class FakeWeChatPay : IAsyncDisposable
{
    public const string MchId = "1900000109";
    public const string AppId = "wxfakepay00000001";
    public const string MerchantSerialNo = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    public const string PublicKeyId = "PUB_KEY_ID_0119000001092026030100000000000001";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private readonly WebApplication _app;
    private readonly RSA _merchantPublicKey = RSA.Create();
    private readonly RSA _certificateKey = RSA.Create(2048);
    private readonly RSA _publicKeyModeKey = RSA.Create(2048);
    private readonly RSA _impostorKey = RSA.Create(2048);
    private readonly byte[] _apiV3Key;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Trade> _trades = [];
    private readonly Dictionary<string, Refund> _refunds = [];

    private FakeWeChatPay(WebApplication app, string merchantPublicKeyPem, string apiV3Key, TimeProvider time)
    {
        _app = app;
        _time = time;
        _apiV3Key = Encoding.UTF8.GetBytes(apiV3Key);
        _merchantPublicKey.ImportFromPem(merchantPublicKeyPem);
        var now = time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(20);
        serial[0] = (byte)(0x10 | (serial[0] & 0x7F)); // a positive 20-byte serial, 40 hex digits like WeChat Pay's
        var request = new CertificateRequest("CN=Tenpay.com fake platform, O=Tenpay.com, C=CN", _certificateKey, HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(_certificateKey, RSASignaturePadding.Pkcs1),
            now.AddDays(-1), now.AddYears(5), serial);
        PlatformCertificatePem = certificate.ExportCertificatePem();
        PlatformCertificateSerial = Convert.ToHexString(serial);
        PublicKeyPem = _publicKeyModeKey.ExportSubjectPublicKeyInfoPem();
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public Uri BaseUrl { get; }

    /// <summary>The self-signed platform certificate the merchant configures (PEM) and its serial (hex, as WeChat Pay writes it).</summary>
    public string PlatformCertificatePem { get; }
    public string PlatformCertificateSerial { get; }

    /// <summary>The platform public key of <see cref="PublicKeyId"/> (PEM), the newer verification mode.</summary>
    public string PublicKeyPem { get; }

    public PlatformKeyMode ResponseSigning { get; set; } = PlatformKeyMode.Certificate;

    public ResponseFault ResponseFault { get; set; }

    /// <summary>Requests received so far, and those of them refused with 401 SIGN_ERROR.</summary>
    public int Requests { get; private set; }
    public int SignatureFailures { get; private set; }

    /// <summary>The <c>time_expire</c> an order was created with, exactly as the merchant sent it.</summary>
    public string TimeExpireOf(string outTradeNo)
    {
        lock (_gate)
        {
            return _trades[outTradeNo].TimeExpire;
        }
    }

    /// <param name="merchantPublicKeyPem">The merchant's public key: only the merchant's private key can sign requests this fake accepts.</param>
    /// <param name="apiV3Key">The merchant's APIv3 key, which encrypts notification resources.</param>
    /// <param name="time">The fake's clock: signed timestamps, payment times, the freshness check of requests.</param>
    public static async Task<FakeWeChatPay> StartAsync(string merchantPublicKeyPem, string apiV3Key, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeWeChatPay? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        fake = new FakeWeChatPay(app, merchantPublicKeyPem, apiV3Key, time);
        return fake;
    }

    /// <summary>The trade's state as WeChat Pay would report it (NOTPAY, SUCCESS, CLOSED, REFUND), or null if it has none.</summary>
    public string? StateOf(string outTradeNo)
    {
        lock (_gate)
        {
            return _trades.TryGetValue(outTradeNo, out var trade) ? trade.State : null;
        }
    }

    /// <summary>The payer scans and pays: the order becomes SUCCESS with a transaction id.</summary>
    public void Pay(string outTradeNo)
    {
        lock (_gate)
        {
            var trade = _trades[outTradeNo];
            if (trade.State != "NOTPAY" || _time.GetUtcNow() > trade.Expires)
            {
                throw new InvalidOperationException($"{outTradeNo} is {trade.State} (expires {trade.Expires:u}), not payable.");
            }
            trade.State = "SUCCESS";
            trade.TransactionId = "4200" + RandomDigits(24);
            trade.SuccessTime = _time.GetUtcNow();
        }
    }

    /// <summary>A refund finishes: SUCCESS, ABNORMAL or CLOSED.</summary>
    public void SettleRefund(string outRefundNo, string status = "SUCCESS")
    {
        lock (_gate)
        {
            var refund = _refunds[outRefundNo];
            refund.Status = status;
            refund.SuccessTime = status == "SUCCESS" ? _time.GetUtcNow() : null;
        }
    }

    /// <summary>The plaintext of a TRANSACTION.SUCCESS resource for a paid order, to send as is or altered.</summary>
    public JsonObject PaymentResource(string outTradeNo)
    {
        lock (_gate)
        {
            var trade = _trades[outTradeNo];
            return new JsonObject
            {
                ["mchid"] = MchId,
                ["appid"] = trade.AppId,
                ["out_trade_no"] = trade.OutTradeNo,
                ["transaction_id"] = trade.TransactionId,
                ["trade_type"] = "NATIVE",
                ["trade_state"] = trade.State,
                ["trade_state_desc"] = "支付成功",
                ["bank_type"] = "OTHERS",
                ["attach"] = "",
                ["success_time"] = Rfc3339(trade.SuccessTime!.Value),
                ["payer"] = new JsonObject { ["openid"] = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
                ["amount"] = new JsonObject { ["total"] = trade.Total, ["payer_total"] = trade.Total, ["currency"] = "CNY", ["payer_currency"] = "CNY" },
            };
        }
    }

    /// <summary>The plaintext of a REFUND.* resource, to send as is or altered.</summary>
    public JsonObject RefundResource(string outRefundNo)
    {
        lock (_gate)
        {
            var refund = _refunds[outRefundNo];
            var resource = new JsonObject
            {
                ["mchid"] = MchId,
                ["out_trade_no"] = refund.OutTradeNo,
                ["transaction_id"] = _trades[refund.OutTradeNo].TransactionId,
                ["out_refund_no"] = refund.OutRefundNo,
                ["refund_id"] = refund.RefundId,
                ["refund_status"] = refund.Status,
                ["user_received_account"] = "支付用户零钱",
                ["amount"] = new JsonObject { ["total"] = refund.Total, ["refund"] = refund.Amount, ["payer_total"] = refund.Total, ["payer_refund"] = refund.Amount },
            };
            if (refund.SuccessTime is { } done)
            {
                resource["success_time"] = Rfc3339(done);
            }
            return resource;
        }
    }

    /// <summary>The TRANSACTION.SUCCESS notification of a paid order.</summary>
    public ReceivedNotification BuildNotification(string outTradeNo, PlatformKeyMode mode = PlatformKeyMode.Certificate) =>
        Seal("TRANSACTION.SUCCESS", PaymentResource(outTradeNo).ToJsonString(Json), mode);

    /// <summary>The REFUND.SUCCESS / ABNORMAL / CLOSED notification of a settled refund.</summary>
    public ReceivedNotification BuildRefundNotification(string outRefundNo, PlatformKeyMode mode = PlatformKeyMode.Certificate)
    {
        var resource = RefundResource(outRefundNo);
        return Seal("REFUND." + resource["refund_status"]!.GetValue<string>(), resource.ToJsonString(Json), mode);
    }

    /// <summary>
    /// A notification as WeChat Pay delivers it: <paramref name="resourcePlaintext"/> encrypted with AES-GCM under the
    /// APIv3 key, the envelope signed with the platform key of <paramref name="mode"/> at <paramref name="timestamp"/>
    /// (now by default), header names lower-cased as the contract receives them.
    /// </summary>
    public ReceivedNotification Seal(string eventType, string resourcePlaintext, PlatformKeyMode mode = PlatformKeyMode.Certificate,
        DateTimeOffset? timestamp = null)
    {
        var nonce = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 12);
        var associatedData = eventType.StartsWith("REFUND.", StringComparison.Ordinal) ? "refund" : "transaction";
        var plaintext = Encoding.UTF8.GetBytes(resourcePlaintext);
        var sealedBytes = new byte[plaintext.Length + 16];
        using (var aes = new AesGcm(_apiV3Key, 16))
        {
            aes.Encrypt(Encoding.UTF8.GetBytes(nonce), plaintext, sealedBytes.AsSpan(0, plaintext.Length),
                sealedBytes.AsSpan(plaintext.Length), Encoding.UTF8.GetBytes(associatedData));
        }
        var at = timestamp ?? _time.GetUtcNow();
        return SignNotification(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["create_time"] = Rfc3339(at),
            ["resource_type"] = "encrypt-resource",
            ["event_type"] = eventType,
            ["summary"] = associatedData == "refund" ? "退款结果通知" : "支付成功",
            ["resource"] = new JsonObject
            {
                ["original_type"] = associatedData,
                ["algorithm"] = "AEAD_AES_256_GCM",
                ["ciphertext"] = Convert.ToBase64String(sealedBytes),
                ["associated_data"] = associatedData,
                ["nonce"] = nonce,
            },
        }.ToJsonString(Json), mode, at);
    }

    /// <summary>Signs any notification body as the platform would, e.g. one a test altered after <see cref="Seal"/>.</summary>
    public ReceivedNotification SignNotification(string body, PlatformKeyMode mode = PlatformKeyMode.Certificate, DateTimeOffset? timestamp = null)
    {
        var headers = Signed(Encoding.UTF8.GetBytes(body), timestamp ?? _time.GetUtcNow(), mode, key: null)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value);
        return new ReceivedNotification(headers, body);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        lock (_gate)
        {
            Requests++;
        }
        // The signed URL is the request target exactly as sent, before any unescaping.
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var (status, answer) = CheckAuthorization(context.Request.Method, target, context.Request.Headers.Authorization.ToString(), body)
            ?? Route(context.Request.Method, target.Split('?')[0], context.Request.Query["mchid"].ToString(), body);
        await WriteAsync(context, status, answer);
    }

    private (int, JsonObject?)? CheckAuthorization(string method, string target, string authorization, byte[] body)
    {
        const string Scheme = "WECHATPAY2-SHA256-RSA2048 ";
        var fields = authorization.StartsWith(Scheme, StringComparison.Ordinal)
            ? AuthorizationField().Matches(authorization[Scheme.Length..]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value)
            : [];
        string? Field(string name) => fields.GetValueOrDefault(name);
        var problem = fields.Count == 0 ? "Authorization is not WECHATPAY2-SHA256-RSA2048"
            : Field("mchid") != MchId ? "mchid is not a merchant here"
            : Field("serial_no") != MerchantSerialNo ? "serial_no is not the merchant certificate"
            : !long.TryParse(Field("timestamp"), CultureInfo.InvariantCulture, out var seconds)
                || Math.Abs(_time.GetUtcNow().ToUnixTimeSeconds() - seconds) > 300 ? "timestamp is missing or stale"
            : string.IsNullOrEmpty(Field("nonce_str")) ? "nonce_str is missing"
            : !VerifyMerchant($"{method}\n{target}\n{Field("timestamp")}\n{Field("nonce_str")}\n{Encoding.UTF8.GetString(body)}\n", Field("signature"))
                ? "signature does not verify" : null;
        if (problem is null)
        {
            return null;
        }
        lock (_gate)
        {
            SignatureFailures++;
        }
        return (401, Error("SIGN_ERROR", "签名错误: " + problem));
    }

    private bool VerifyMerchant(string message, string? signature)
    {
        try
        {
            return signature is not null && _merchantPublicKey.VerifyData(Encoding.UTF8.GetBytes(message), Convert.FromBase64String(signature),
                HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private (int, JsonObject?) Route(string method, string path, string mchidQuery, byte[] body)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        lock (_gate)
        {
            return (method, segments) switch
            {
                ("POST", ["v3", "pay", "transactions", "native"]) => CreateNative(Parse(body)),
                ("GET", ["v3", "pay", "transactions", "out-trade-no", var no]) => mchidQuery == MchId
                    ? QueryTrade(no) : (400, Error("PARAM_ERROR", "mchid 与请求方不一致")),
                ("POST", ["v3", "pay", "transactions", "out-trade-no", var no, "close"]) => Close(no, Parse(body)),
                ("POST", ["v3", "refund", "domestic", "refunds"]) => CreateRefund(Parse(body)),
                ("GET", ["v3", "refund", "domestic", "refunds", var no]) => _refunds.TryGetValue(Uri.UnescapeDataString(no), out var refund)
                    ? (200, RefundJson(refund)) : (404, Error("RESOURCE_NOT_EXISTS", "退款单不存在")),
                _ => (404, Error("NOT_FOUND", "no such API")),
            };
        }
    }

    private (int, JsonObject?) CreateNative(JsonObject? order)
    {
        var outTradeNo = order?["out_trade_no"]?.GetValue<string>();
        var total = order?["amount"]?["total"]?.GetValue<long>();
        if (order?["mchid"]?.GetValue<string>() != MchId || order["appid"]?.GetValue<string>() != AppId)
        {
            return (400, Error("APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配"));
        }
        if (outTradeNo is not { Length: >= 6 and <= 32 } || total is not > 0 || order["amount"]?["currency"]?.GetValue<string>() != "CNY"
            || string.IsNullOrEmpty(order["description"]?.GetValue<string>()) || string.IsNullOrEmpty(order["notify_url"]?.GetValue<string>())
            || !DateTimeOffset.TryParseExact(order["time_expire"]?.GetValue<string>(), "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var expires))
        {
            return (400, Error("PARAM_ERROR", "参数错误"));
        }
        if (_trades.TryGetValue(outTradeNo, out var existing))
        {
            // Asking again with the same order while it is payable gives the same code_url; anything else is refused.
            return existing.State == "NOTPAY" && existing.Total == total && existing.Description == order["description"]!.GetValue<string>()
                ? (200, new JsonObject { ["code_url"] = existing.CodeUrl })
                : existing.State == "CLOSED" ? (400, Error("ORDER_CLOSED", "订单已关闭"))
                : (400, Error("OUT_TRADE_NO_USED", "商户订单号重复"));
        }
        var trade = new Trade(outTradeNo, AppId, order["description"]!.GetValue<string>(), total.Value, expires, order["time_expire"]!.GetValue<string>(),
            $"weixin://wxpay/bizpayurl?pr={RandomNumberGenerator.GetHexString(7, lowercase: true)}");
        _trades[outTradeNo] = trade;
        return (200, new JsonObject { ["code_url"] = trade.CodeUrl });
    }

    private (int, JsonObject?) QueryTrade(string outTradeNo)
    {
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            return (404, Error("ORDER_NOT_EXIST", "订单不存在"));
        }
        var answer = new JsonObject
        {
            ["appid"] = trade.AppId,
            ["mchid"] = MchId,
            ["out_trade_no"] = trade.OutTradeNo,
            ["trade_type"] = "NATIVE",
            ["trade_state"] = trade.State,
            ["trade_state_desc"] = trade.State,
            ["amount"] = trade.TransactionId is null
                ? new JsonObject { ["total"] = trade.Total, ["currency"] = "CNY" }
                : new JsonObject { ["total"] = trade.Total, ["payer_total"] = trade.Total, ["currency"] = "CNY", ["payer_currency"] = "CNY" },
        };
        if (trade.TransactionId is not null)
        {
            answer["transaction_id"] = trade.TransactionId;
            answer["success_time"] = Rfc3339(trade.SuccessTime!.Value);
            answer["bank_type"] = "OTHERS";
            answer["payer"] = new JsonObject { ["openid"] = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" };
        }
        return (200, answer);
    }

    private (int, JsonObject?) Close(string outTradeNo, JsonObject? body)
    {
        if (body?["mchid"]?.GetValue<string>() != MchId)
        {
            return (400, Error("PARAM_ERROR", "mchid 与请求方不一致"));
        }
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            return (404, Error("ORDER_NOT_EXIST", "订单不存在"));
        }
        if (trade.State is "SUCCESS" or "REFUND")
        {
            return (400, Error("ORDERPAID", "订单已支付"));
        }
        trade.State = "CLOSED";
        return (204, null);
    }

    private (int, JsonObject?) CreateRefund(JsonObject? request)
    {
        var outRefundNo = request?["out_refund_no"]?.GetValue<string>();
        var outTradeNo = request?["out_trade_no"]?.GetValue<string>();
        var amount = request?["amount"];
        var refundFen = amount?["refund"]?.GetValue<long>();
        var totalFen = amount?["total"]?.GetValue<long>();
        if (outRefundNo is null || outTradeNo is null || refundFen is not > 0 || totalFen is not > 0 || amount?["currency"]?.GetValue<string>() != "CNY")
        {
            return (400, Error("PARAM_ERROR", "参数错误"));
        }
        // Idempotent by out_refund_no: asking again answers the refund already made.
        if (_refunds.TryGetValue(outRefundNo, out var earlier))
        {
            return (200, RefundJson(earlier));
        }
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            return (404, Error("RESOURCE_NOT_EXISTS", "订单不存在"));
        }
        if (trade.State is not ("SUCCESS" or "REFUND"))
        {
            return (400, Error("INVALID_REQUEST", "订单未支付"));
        }
        if (totalFen != trade.Total)
        {
            return (400, Error("INVALID_REQUEST", "订单金额与原订单不一致"));
        }
        if (trade.Refunded + refundFen > trade.Total)
        {
            return (400, Error("INVALID_REQUEST", "申请退款金额超过订单可退金额"));
        }
        trade.Refunded += refundFen.Value;
        trade.State = "REFUND";
        var refund = new Refund(outRefundNo, outTradeNo, "50" + RandomDigits(27), refundFen.Value, trade.Total, _time.GetUtcNow());
        _refunds[outRefundNo] = refund;
        return (200, RefundJson(refund));
    }

    private JsonObject RefundJson(Refund refund) => new()
    {
        ["refund_id"] = refund.RefundId,
        ["out_refund_no"] = refund.OutRefundNo,
        ["transaction_id"] = _trades[refund.OutTradeNo].TransactionId,
        ["out_trade_no"] = refund.OutTradeNo,
        ["channel"] = "ORIGINAL",
        ["user_received_account"] = "支付用户零钱",
        ["create_time"] = Rfc3339(refund.Created),
        ["status"] = refund.Status,
        ["amount"] = new JsonObject
        {
            ["total"] = refund.Total, ["refund"] = refund.Amount, ["payer_total"] = refund.Total, ["payer_refund"] = refund.Amount,
            ["settlement_total"] = refund.Total, ["settlement_refund"] = refund.Amount, ["discount_refund"] = 0, ["currency"] = "CNY",
        },
    };

    private async Task WriteAsync(HttpContext context, int status, JsonObject? answer)
    {
        var body = answer is null ? [] : Encoding.UTF8.GetBytes(answer.ToJsonString(Json));
        context.Response.StatusCode = status;
        context.Response.Headers["Request-ID"] = Guid.NewGuid().ToString("N");
        var fault = ResponseFault;
        if (fault != ResponseFault.NoSignature)
        {
            var at = _time.GetUtcNow() - (fault == ResponseFault.StaleTimestamp ? TimeSpan.FromMinutes(10) : TimeSpan.Zero);
            foreach (var (name, value) in Signed(body, at, ResponseSigning, fault == ResponseFault.ForgedSignature ? _impostorKey : null))
            {
                context.Response.Headers[name] = fault == ResponseFault.UnknownSerial && name == "Wechatpay-Serial" ? "0123456789ABCDEF" : value;
            }
        }
        if (fault == ResponseFault.TamperedBody && body.Length > 0)
        {
            body = [.. body[..1], (byte)' ', .. body[1..]];
        }
        if (body.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body);
        }
    }

    /// <summary>The four signature headers for <paramref name="body"/>, signed by the platform key of <paramref name="mode"/>
    /// (or by <paramref name="key"/>, an impostor, under the same serial).</summary>
    private Dictionary<string, string> Signed(byte[] body, DateTimeOffset at, PlatformKeyMode mode, RSA? key)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetHexString(32);
        byte[] message = [.. Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n"), .. body, (byte)'\n'];
        var signer = key ?? (mode == PlatformKeyMode.Certificate ? _certificateKey : _publicKeyModeKey);
        return new Dictionary<string, string>
        {
            ["Wechatpay-Timestamp"] = timestamp,
            ["Wechatpay-Nonce"] = nonce,
            ["Wechatpay-Serial"] = mode == PlatformKeyMode.Certificate ? PlatformCertificateSerial : PublicKeyId,
            ["Wechatpay-Signature"] = Convert.ToBase64String(signer.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
        };
    }

    private static JsonObject? Parse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject Error(string code, string message) => new() { ["code"] = code, ["message"] = message };

    private static string Rfc3339(DateTimeOffset time) => time.ToOffset(Beijing).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string RandomDigits(int count) => RandomNumberGenerator.GetString("0123456789", count);

    [GeneratedRegex("""(\w+)="([^"]*)"(?:,|$)""")]
    private static partial Regex AuthorizationField();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _merchantPublicKey.Dispose();
        _certificateKey.Dispose();
        _publicKeyModeKey.Dispose();
        _impostorKey.Dispose();
    }

    private sealed class Trade(string outTradeNo, string appId, string description, long total, DateTimeOffset expires, string timeExpire,
        string codeUrl)
    {
        public string OutTradeNo { get; } = outTradeNo;
        public string AppId { get; } = appId;
        public string Description { get; } = description;
        public long Total { get; } = total;
        public DateTimeOffset Expires { get; } = expires;
        public string TimeExpire { get; } = timeExpire;
        public string CodeUrl { get; } = codeUrl;
        public string State { get; set; } = "NOTPAY";
        public string? TransactionId { get; set; }
        public DateTimeOffset? SuccessTime { get; set; }
        public long Refunded { get; set; }
    }

    private sealed class Refund(string outRefundNo, string outTradeNo, string refundId, long amount, long total, DateTimeOffset created)
    {
        public string OutRefundNo { get; } = outRefundNo;
        public string OutTradeNo { get; } = outTradeNo;
        public string RefundId { get; } = refundId;
        public long Amount { get; } = amount;
        public long Total { get; } = total;
        public DateTimeOffset Created { get; } = created;
        public string Status { get; set; } = "PROCESSING";
        public DateTimeOffset? SuccessTime { get; set; }
    }
}
