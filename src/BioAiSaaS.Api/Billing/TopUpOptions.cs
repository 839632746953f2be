using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Api.Billing;

/// <summary>The <c>Billing:TopUps</c> section.</summary>
public sealed class TopUpOptions
{
    public const string Section = "Billing:TopUps";

    /// <summary>How long a QR code may be paid; after it the provider refuses payment and the order is closed.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "02:00:00")]
    public TimeSpan OrderLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>¥1: below it the provider's fees outweigh the payment.</summary>
    public const long MinAmountFen = 100;

    /// <summary>¥50,000: a single top-up beyond it goes through a sales contract, not a QR code.</summary>
    public const long MaxAmountFen = 5_000_000;
}
