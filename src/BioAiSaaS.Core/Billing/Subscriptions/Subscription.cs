namespace BioAiSaaS.Core.Billing.Subscriptions;

/// <summary>
/// A user's plan (table <c>subscriptions</c>, one row per user, created on first use on Free). Upgrades apply at
/// once; downgrades (<see cref="ScheduledPlanCode"/>) and cancellation (<see cref="CancelAtPeriodEnd"/>) at
/// <see cref="CurrentPeriodEnd"/>.
/// </summary>
public sealed class Subscription
{
    public Guid UserId { get; init; }
    public required string PlanCode { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset CurrentPeriodStart { get; set; }
    public DateTimeOffset CurrentPeriodEnd { get; set; }
    public bool CancelAtPeriodEnd { get; set; }
    public string? ScheduledPlanCode { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class SubscriptionStatuses
{
    public const string Active = "active";
}
