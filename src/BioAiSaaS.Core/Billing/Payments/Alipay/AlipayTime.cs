using System.Globalization;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

/// <summary>Alipay's times: "yyyy-MM-dd HH:mm:ss" on the Beijing clock, without an offset on the wire.</summary>
public static class AlipayTime
{
    public const string Pattern = "yyyy-MM-dd HH:mm:ss";

    /// <summary>China has kept UTC+8 all year since 1991, so a fixed offset is exact and needs no time-zone database
    /// (which a slim container may lack).</summary>
    public static readonly TimeSpan BeijingOffset = TimeSpan.FromHours(8);

    public static string Format(DateTimeOffset instant) =>
        instant.ToOffset(BeijingOffset).ToString(Pattern, CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out DateTimeOffset instant)
    {
        if (DateTime.TryParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            instant = new DateTimeOffset(local, BeijingOffset);
            return true;
        }
        instant = default;
        return false;
    }
}
