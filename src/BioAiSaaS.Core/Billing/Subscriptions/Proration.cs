namespace BioAiSaaS.Core.Billing.Subscriptions;

/// <summary>
/// What an upgrade costs for the rest of the period: the monthly price difference times the share of the period
/// left, counted in whole seconds, rounded half-up:
/// <c>charge = round((newPrice − oldPrice) × secondsLeft ÷ periodSeconds)</c>. Integer arithmetic only.
/// </summary>
public static class Proration
{
    public static long UpgradeChargeFen(long oldMonthlyFen, long newMonthlyFen, DateTimeOffset periodStart, DateTimeOffset periodEnd, DateTimeOffset now)
    {
        var difference = newMonthlyFen - oldMonthlyFen;
        if (difference <= 0)
        {
            return 0;
        }
        var periodSeconds = (periodEnd - periodStart).Ticks / TimeSpan.TicksPerSecond;
        var left = Math.Clamp((periodEnd - now).Ticks / TimeSpan.TicksPerSecond, 0, periodSeconds);
        return periodSeconds <= 0 ? 0 : Money.Charge(left, difference, periodSeconds);
    }

    /// <summary>Periods are calendar months from the subscription's anchor.</summary>
    public static DateTimeOffset PeriodEnd(DateTimeOffset start) => start.AddMonths(1);
}
