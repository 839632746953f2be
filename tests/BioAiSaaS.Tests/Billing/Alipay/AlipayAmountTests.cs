using BioAiSaaS.Core.Billing.Payments.Alipay;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>Fen ⇄ yuan on Alipay's wire: two decimals exactly, integer arithmetic, malformed amounts refused.</summary>
public sealed class AlipayAmountTests
{
    [Theory]
    [InlineData(0L, "0.00")]
    [InlineData(1L, "0.01")]
    [InlineData(10L, "0.10")]
    [InlineData(99L, "0.99")]
    [InlineData(100L, "1.00")]
    [InlineData(1234L, "12.34")]
    [InlineData(100_001L, "1000.01")]
    [InlineData(10_000_000_000L, "100000000.00")]
    [InlineData(long.MaxValue, "92233720368547758.07")]
    public void Fen_are_written_as_yuan_with_two_decimals(long fen, string yuan) =>
        Assert.Equal(yuan, AlipayAmount.FromFen(fen));

    [Fact]
    public void Negative_fen_cannot_be_written() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AlipayAmount.FromFen(-1));

    [Theory]
    [InlineData("0.00", 0L)]
    [InlineData("0.01", 1L)]
    [InlineData("0.10", 10L)]
    [InlineData("12.34", 1234L)]
    [InlineData("1000.01", 100_001L)]
    [InlineData("100000000.00", 10_000_000_000L)]
    [InlineData("999999999999.99", 99_999_999_999_999L)]
    public void Yuan_parse_to_the_exact_fen(string yuan, long fen)
    {
        Assert.True(AlipayAmount.TryParseFen(yuan, out var parsed));
        Assert.Equal(fen, parsed);
        Assert.Equal(yuan, AlipayAmount.FromFen(parsed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("12.3")]
    [InlineData("12.345")]
    [InlineData(".50")]
    [InlineData("1.")]
    [InlineData("-1.00")]
    [InlineData("+1.00")]
    [InlineData("01.00")]
    [InlineData(" 1.00")]
    [InlineData("1.00 ")]
    [InlineData("1,00")]
    [InlineData("1.0a")]
    [InlineData("1.2.3")]
    [InlineData("１.00")] // full-width digit one
    [InlineData("1e2")]
    [InlineData("NaN")]
    [InlineData("1000000000000.00")] // 13 digits before the point
    public void Malformed_yuan_are_refused(string yuan)
    {
        Assert.False(AlipayAmount.TryParseFen(yuan, out _));
        Assert.Throws<FormatException>(() => AlipayAmount.ParseFen(yuan));
    }

    [Fact]
    public void Null_is_not_an_amount() => Assert.False(AlipayAmount.TryParseFen(null, out _));

    [Fact]
    public void Every_fen_up_to_ten_yuan_survives_the_round_trip()
    {
        for (var fen = 0L; fen <= 1_000; fen++)
        {
            Assert.Equal(fen, AlipayAmount.ParseFen(AlipayAmount.FromFen(fen)));
        }
    }

    [Fact]
    public void Beijing_time_is_utc_plus_eight_without_an_offset_on_the_wire()
    {
        Assert.Equal("2026-03-02 00:30:05", AlipayTime.Format(new DateTimeOffset(2026, 3, 1, 16, 30, 5, TimeSpan.Zero)));
        Assert.True(AlipayTime.TryParse("2019-08-15 15:56:24", out var parsed));
        Assert.Equal(new DateTimeOffset(2019, 8, 15, 7, 56, 24, TimeSpan.Zero), parsed);
        Assert.False(AlipayTime.TryParse("2019-08-15T15:56:24", out _));
    }
}
