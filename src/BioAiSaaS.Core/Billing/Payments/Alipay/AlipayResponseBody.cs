using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>The signed part of a gateway answer: the <c>*_response</c> object exactly as its bytes arrived, and the signature beside it.</summary>
public sealed record AlipaySignedNode(string Name, ReadOnlyMemory<byte> Raw, string? Sign);

/// <summary>
/// Finds the signed object in a gateway answer, <c>{"alipay_trade_query_response":{…},"sign":"…"}</c>. Alipay signs
/// the bytes of that object as it wrote them, so it is cut out of the body — never re-serialised, which would change
/// escapes, spacing or number formats and break the signature. The cut is made by a validating JSON tokenizer
/// (<see cref="Utf8JsonReader"/>): it tracks strings and their escapes and balanced nesting, and its token offsets
/// are offsets into the raw body.
/// </summary>
public static class AlipayResponseBody
{
    /// <summary>What the gateway calls the node when it failed before it knew which API it was answering.</summary>
    public const string ErrorNode = "error_response";

    /// <summary>"alipay.trade.query" → "alipay_trade_query_response".</summary>
    public static string NodeName(string method) => method.Replace('.', '_') + "_response";

    /// <summary>
    /// Extracts <paramref name="nodeName"/> (or, if absent, <see cref="ErrorNode"/>) and the top-level <c>sign</c>.
    /// A body that is not one JSON object, has the node twice, or whose node is not an object, is a problem.
    /// </summary>
    public static bool TryExtract(ReadOnlyMemory<byte> body, string nodeName, [NotNullWhen(true)] out AlipaySignedNode? node,
        [NotNullWhen(false)] out string? problem)
    {
        node = null;
        var span = body.Span;
        var offset = span.StartsWith("\uFEFF"u8) ? 3 : 0;
        Range? named = null, error = null;
        string? sign = null;
        try
        {
            var reader = new Utf8JsonReader(span[offset..], new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the body is not a JSON object";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isNamed = reader.ValueTextEquals(nodeName);
                var isError = reader.ValueTextEquals(ErrorNode);
                var isSign = reader.ValueTextEquals("sign");
                reader.Read();
                if (isNamed || isError)
                {
                    if ((isNamed ? named : error) is not null)
                    {
                        problem = "the response object appears twice";
                        return false;
                    }
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        problem = "the response is not an object";
                        return false;
                    }
                    var start = offset + (int)reader.TokenStartIndex;
                    reader.Skip();
                    var range = start..(offset + (int)reader.BytesConsumed);
                    if (isNamed)
                    {
                        named = range;
                    }
                    else
                    {
                        error = range;
                    }
                }
                else if (isSign)
                {
                    if (sign is not null || reader.TokenType != JsonTokenType.String)
                    {
                        problem = "the sign is repeated or not a string";
                        return false;
                    }
                    sign = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
            // Reading on to the end makes the tokenizer reject trailing garbage after the object.
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            problem = "the body is not valid JSON: " + ex.Message;
            return false;
        }
        if ((named ?? error) is not { } found)
        {
            problem = $"the body has neither {nodeName} nor {ErrorNode}";
            return false;
        }
        node = new AlipaySignedNode(named is null ? ErrorNode : nodeName, body[found], string.IsNullOrEmpty(sign) ? null : sign);
        problem = null;
        return true;
    }
}
