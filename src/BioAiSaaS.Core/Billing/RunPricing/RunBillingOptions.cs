using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>Quotes, auto-authorisation and outcome fees (<c>Billing:Runs</c>), validated at start-up by the Api and the Worker.</summary>
public sealed class RunBillingOptions : IValidatableObject
{
    public const string Section = "Billing:Runs";

    /// <summary>The auto-authorisation limit of a user who has not set one: ¥50, the seed's default.</summary>
    [Range(0, 100_000_000)] public long DefaultAutoAuthoriseLimitFen { get; set; } = 5_000;

    /// <summary>How long a quote (and a run waiting for confirmation) stays valid.</summary>
    [Range(1, 1440)] public int QuoteLifetimeMinutes { get; set; } = 15;

    /// <summary>How long after a successful outcome-priced run its owner may reject the outcome for a refund.</summary>
    [Range(1, 8760)] public int OutcomeRejectWindowHours { get; set; } = 7 * 24;

    /// <summary>How often the Worker accepts outcomes whose window has passed.</summary>
    [Range(1, 3600)] public int AutoAcceptIntervalSeconds { get; set; } = 60;

    /// <summary>At most this many outcomes accepted per round and statement.</summary>
    [Range(1, 10_000)] public int AutoAcceptBatchSize { get; set; } = 500;

    /// <summary>
    /// Per plan code, a concurrent-run limit that replaces the plan's when higher. Empty in production (the plans' own
    /// limits hold); the integration tests raise Free's, because many of them run several runs of one user at once.
    /// </summary>
    public Dictionary<string, int> ConcurrentRunLimits { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (plan, limit) in ConcurrentRunLimits)
        {
            if (limit is < 1 or > 10_000)
            {
                yield return new ValidationResult($"ConcurrentRunLimits:{plan} must be between 1 and 10000.", [nameof(ConcurrentRunLimits)]);
            }
        }
    }

    public TimeSpan QuoteLifetime => TimeSpan.FromMinutes(QuoteLifetimeMinutes);
    public TimeSpan OutcomeRejectWindow => TimeSpan.FromHours(OutcomeRejectWindowHours);

    /// <summary>The concurrent-run limit in force for <paramref name="plan"/>.</summary>
    public int ConcurrentRunLimit(Plans.Plan plan) =>
        ConcurrentRunLimits.TryGetValue(plan.Code, out var raised) && raised > plan.ConcurrentRunLimit ? raised : plan.ConcurrentRunLimit;
}
