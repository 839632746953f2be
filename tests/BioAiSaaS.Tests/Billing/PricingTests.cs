using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Money is integer fen; prices that are fractions of a fen per unit are divided once, rounded half-up.</summary>
public sealed class PricingTests
{
    private static readonly RateCardPrice Standard = SeedRateCards.StandardV1Default();

    [Fact]
    public void The_standard_card_charges_15_fen_per_1000_tokens_in_and_out()
    {
        Assert.Equal(15, Pricing.Charge(new UsageQuantities(InputTokens: 1_000), Standard).TotalFen);
        Assert.Equal(15, Pricing.Charge(new UsageQuantities(OutputTokens: 1_000), Standard).TotalFen);
        Assert.Equal(15_000, Pricing.Charge(new UsageQuantities(InputTokens: 500_000, OutputTokens: 500_000), Standard).TotalFen);
    }

    [Theory]
    [InlineData(1, 0)]      // 0.015 fen
    [InlineData(33, 0)]     // 0.495 fen
    [InlineData(34, 1)]     // 0.51 fen
    [InlineData(100, 2)]    // 1.5 fen: half rounds up
    [InlineData(1_100, 17)] // 16.5 fen
    public void Token_charges_round_half_up_to_whole_fen(long tokens, long fen) =>
        Assert.Equal(fen, Pricing.Charge(new UsageQuantities(OutputTokens: tokens), Standard).TotalFen);

    [Fact]
    public void Cached_input_is_part_of_the_input_and_charged_at_its_own_price()
    {
        var charge = Pricing.Charge(new UsageQuantities(InputTokens: 1_000_000, CachedInputTokens: 400_000), Standard);

        Assert.Equal(9_000, charge.InputFen);       // 600,000 uncached × 15,000 / 1M
        Assert.Equal(1_500, charge.CachedInputFen); // 400,000 cached × 3,750 / 1M
        Assert.Equal(10_500, charge.TotalFen);
    }

    [Fact]
    public void Sandbox_time_is_charged_per_minute_from_milliseconds()
    {
        Assert.Equal(10, Pricing.Charge(new UsageQuantities(SandboxMilliseconds: 60_000), Standard).TotalFen);
        Assert.Equal(15, Pricing.Charge(new UsageQuantities(SandboxMilliseconds: 90_000), Standard).TotalFen);
        Assert.Equal(1, Pricing.Charge(new UsageQuantities(SandboxMilliseconds: 3_000), Standard).TotalFen); // 0.5 fen
        Assert.Equal(0, Pricing.Charge(new UsageQuantities(SandboxMilliseconds: 2_999), Standard).TotalFen);
    }

    [Fact]
    public void The_total_is_the_sum_of_the_rounded_components_so_invoice_lines_add_up()
    {
        // Each component is 1.5 fen → 2; the unrounded sum (4.5) would round to 5, the lines say 2 + 2 + 2.
        var charge = Pricing.Charge(new UsageQuantities(InputTokens: 100, OutputTokens: 100, SandboxMilliseconds: 9_000), Standard);

        Assert.Equal(6, charge.TotalFen);
        Assert.Equal(charge.InputFen + charge.CachedInputFen + charge.OutputFen + charge.SandboxFen, charge.TotalFen);
    }

    [Fact]
    public void Huge_quantities_are_exact_and_negative_ones_are_refused()
    {
        // 10^12 tokens at 15,000 fen per million: 1.5 × 10^10 fen, exact (no floating point on the way).
        Assert.Equal(15_000_000_000, Pricing.Charge(new UsageQuantities(OutputTokens: 1_000_000_000_000), Standard).TotalFen);
        Assert.Throws<ArgumentOutOfRangeException>(() => Pricing.Charge(new UsageQuantities(OutputTokens: -1), Standard));
    }

    [Theory]
    [InlineData(0, "¥0.00")]
    [InlineData(5, "¥0.05")]
    [InlineData(1234, "¥12.34")]
    [InlineData(299_900, "¥2999.00")]
    [InlineData(-1234, "-¥12.34")]
    [InlineData(long.MinValue, "-¥92233720368547758.08")]
    public void Money_is_formatted_in_yuan_from_fen(long fen, string text) => Assert.Equal(text, Money.Format(fen));

    [Theory]
    [InlineData(7, 2, 4)]   // 3.5 → 4
    [InlineData(-7, 2, -4)] // away from zero
    [InlineData(5, 3, 2)]   // 1.67 → 2
    [InlineData(4, 3, 1)]   // 1.33 → 1
    public void Division_rounds_half_away_from_zero(long numerator, long denominator, long expected) =>
        Assert.Equal(expected, Money.DivideRounded(numerator, denominator));

    [Fact]
    public void An_upgrade_is_charged_the_price_difference_for_the_share_of_the_period_left()
    {
        var start = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero); // a 30-day month
        var end = Proration.PeriodEnd(start);

        Assert.Equal(9_900, Proration.UpgradeChargeFen(0, 9_900, start, end, start));
        // Pro → Team with 10 of 30 days left: (49,900 − 9,900) × 10 / 30 = 13,333.33 → 13,333.
        Assert.Equal(13_333, Proration.UpgradeChargeFen(9_900, 49_900, start, end, end.AddDays(-10)));
        // 15 days left: 4,950 exactly.
        Assert.Equal(4_950, Proration.UpgradeChargeFen(0, 9_900, start, end, start.AddDays(15)));
        Assert.Equal(0, Proration.UpgradeChargeFen(0, 9_900, start, end, end));
        Assert.Equal(0, Proration.UpgradeChargeFen(49_900, 9_900, start, end, start));
    }

    [Fact]
    public void A_posting_whose_lines_do_not_sum_to_zero_is_malformed()
    {
        var user = Guid.NewGuid();
        Assert.Null(Posting.TopUp(user, "wechatpay", "TU0000000001", 500).Problem());
        Assert.NotNull(new Posting("k", EntryKinds.Usage, user, [new(LedgerAccounts.Wallet(user), 100), new(LedgerAccounts.UsageRevenue, -99)]).Problem());
        Assert.NotNull(new Posting("k", EntryKinds.Usage, user, [new(LedgerAccounts.Wallet(user), 0), new(LedgerAccounts.UsageRevenue, 0)]).Problem());
        Assert.NotNull(new Posting("k", EntryKinds.Usage, user, [new(LedgerAccounts.Wallet(user), 0)]).Problem());
    }
}
