using System.Text;
using BioAiSaaS.Core.Billing.Payments.Alipay;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>The signed <c>*_response</c> object is cut out of the body byte for byte, whatever its strings contain.</summary>
public sealed class AlipayResponseBodyTests
{
    private const string Node = "alipay_trade_query_response";

    [Fact]
    public void The_raw_object_is_extracted_exactly_even_with_braces_and_escaped_quotes_in_strings()
    {
        const string raw = "{\"code\":\"10000\", \"msg\" : \"Success\",\"tricky\":\"}{\\\"\\\\\",\"nested\":{\"a\":[1,{\"b\":\"}\"}]},"
            + "\"subject\":\"语雀空间\",\"esc\":\"\\u8bed\",\"n\":1.50}";
        var body = $"{{ \"sign\" : \"c2lnbg==\",\n  \"{Node}\" :  {raw} , \"other\":{{\"x\":\"{{\"}} }}";

        Assert.True(AlipayResponseBody.TryExtract(Encoding.UTF8.GetBytes(body), Node, out var node, out var problem), problem);

        Assert.Equal(raw, Encoding.UTF8.GetString(node.Raw.Span));
        Assert.Equal("c2lnbg==", node.Sign);
        Assert.Equal(Node, node.Name);
    }

    [Fact]
    public void A_gateway_error_under_error_response_is_found_when_the_named_node_is_absent()
    {
        const string body = "{\"error_response\":{\"code\":\"40002\",\"sub_code\":\"isv.invalid-app-id\"}}";

        Assert.True(AlipayResponseBody.TryExtract(Encoding.UTF8.GetBytes(body), Node, out var node, out _));

        Assert.Equal(AlipayResponseBody.ErrorNode, node.Name);
        Assert.Null(node.Sign);
    }

    [Theory]
    [InlineData("{\"alipay_trade_query_response\":{\"code\":\"10000\"},\"alipay_trade_query_response\":{\"code\":\"10000\"},\"sign\":\"x\"}")]
    [InlineData("{\"alipay_trade_query_response\":\"{}\",\"sign\":\"x\"}")]
    [InlineData("{\"alipay_trade_query_response\":{\"code\":\"10000\"},\"sign\":\"x\"} trailing")]
    [InlineData("{\"alipay_trade_query_response\":{\"code\":\"10000\"},\"sign\":\"x\"")]
    [InlineData("{\"alipay_trade_close_response\":{\"code\":\"10000\"},\"sign\":\"x\"}")]
    [InlineData("{\"alipay_trade_query_response\":{\"code\":\"10000\"},\"sign\":1}")]
    [InlineData("[]")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("")]
    public void Bodies_without_exactly_one_response_object_are_problems(string body)
    {
        Assert.False(AlipayResponseBody.TryExtract(Encoding.UTF8.GetBytes(body), Node, out var node, out var problem));
        Assert.Null(node);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Node_names_follow_the_method_name() =>
        Assert.Equal("alipay_trade_fastpay_refund_query_response", AlipayResponseBody.NodeName("alipay.trade.fastpay.refund.query"));
}
