using System.Text.Json;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>A gateway answer whose signature has been checked: its <c>code</c>, <c>sub_code</c> and business fields.</summary>
internal sealed class AlipayReply
{
    public const string SuccessCode = "10000";

    private readonly string _method;
    private readonly JsonElement _fields;

    private AlipayReply(string method, JsonElement fields)
    {
        _method = method;
        _fields = fields;
    }

    public string? Code => Get("code");
    public string? SubCode => Get("sub_code");
    public bool IsSuccess => Code == SuccessCode;

    /// <summary>
    /// Cuts the signed node out of <paramref name="body"/> and checks Alipay's signature over its raw bytes. An
    /// unsigned error is still reported as that error (nothing is trusted from it but the failure); an unsigned or
    /// badly signed success, or any answer that cannot be read, is a failure of its own.
    /// </summary>
    public static AlipayReply Read(string method, ReadOnlyMemory<byte> body, AlipayAccount account)
    {
        if (!AlipayResponseBody.TryExtract(body, AlipayResponseBody.NodeName(method), out var node, out var problem))
        {
            throw new PaymentProviderException(AlipayPaymentProvider.ProviderName, null, $"{method}: unreadable answer ({problem}).");
        }
        JsonElement fields;
        using (var document = JsonDocument.Parse(node.Raw))
        {
            fields = document.RootElement.Clone();
        }
        var reply = new AlipayReply(method, fields);
        if (node.Sign is null)
        {
            throw reply.IsSuccess
                ? new PaymentProviderException(AlipayPaymentProvider.ProviderName, null, $"{method}: the answer is not signed.")
                : reply.Failure();
        }
        if (!account.IsSignedByAlipay(node.Raw.Span, node.Sign))
        {
            throw new PaymentProviderException(AlipayPaymentProvider.ProviderName, null,
                $"{method}: the answer's signature does not verify with the Alipay public key.");
        }
        return reply;
    }

    /// <summary>A string field, or null when absent, empty or not a string.</summary>
    public string? Get(string name) =>
        _fields.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    /// <summary>An amount field in fen; null when absent; a malformed amount is a failure, never a guess.</summary>
    public long? Fen(string name) => Get(name) switch
    {
        null => null,
        var yuan when AlipayAmount.TryParseFen(yuan, out var fen) => fen,
        var yuan => throw Malformed($"{name} \"{AlipayForm.Printable(yuan)}\" is not an amount"),
    };

    public DateTimeOffset? Time(string name) => Get(name) switch
    {
        null => null,
        var text when AlipayTime.TryParse(text, out var instant) => instant,
        var text => throw Malformed($"{name} \"{AlipayForm.Printable(text)}\" is not a time"),
    };

    /// <summary>Fails when the answer names another trade or refund than the one asked about (a replayed answer).</summary>
    public void CheckEcho(string name, string expected)
    {
        if (Get(name) is { } echoed && echoed != expected)
        {
            throw Malformed($"it answers for {name} {AlipayForm.Printable(echoed)}, not {expected}");
        }
    }

    public void ThrowUnlessSuccess()
    {
        if (!IsSuccess)
        {
            throw Failure();
        }
    }

    /// <summary>Alipay's error as an exception: its most specific code (<c>sub_code</c>, else <c>code</c>) and message.</summary>
    public PaymentProviderException Failure() =>
        new(AlipayPaymentProvider.ProviderName, SubCode ?? Code,
            $"{_method}: {Get("sub_msg") ?? Get("msg") ?? "failed"} (code {Code ?? "none"}).");

    public PaymentProviderException Malformed(string problem) =>
        new(AlipayPaymentProvider.ProviderName, null, $"{_method}: unexpected answer: {problem}.");
}
