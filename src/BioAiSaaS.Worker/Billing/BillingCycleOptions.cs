using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Worker.Billing;

/// <summary>Usage ingestion (<c>Billing:Usage</c>), validated at start-up.</summary>
public sealed class UsageIngestionOptions
{
    public const string Section = "Billing:Usage";

    /// <summary>How often the job looks for unbilled usage events.</summary>
    [Range(1, 3600)] public int IntervalSeconds { get; set; } = 10;

    /// <summary>Events per transaction: one user's wallet is locked for that long.</summary>
    [Range(1, 10_000)] public int BatchSize { get; set; } = 500;

    /// <summary>Users per round.</summary>
    [Range(1, 10_000)] public int UsersPerRound { get; set; } = 200;
}

/// <summary>The billing cycle job (<c>Billing:Cycle</c>), validated at start-up.</summary>
public sealed class BillingCycleOptions
{
    public const string Section = "Billing:Cycle";

    /// <summary>How often the job looks for ended periods and draft invoices.</summary>
    [Range(1, 86_400)] public int IntervalSeconds { get; set; } = 60;

    /// <summary>Subscriptions rolled over, and invoices finalised, per round.</summary>
    [Range(1, 100_000)] public int BatchSize { get; set; } = 500;
}
