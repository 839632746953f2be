using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Worker.Billing;

/// <summary>The payment reconciliation job (<c>Billing:Reconciliation</c>), validated at start-up.</summary>
public sealed class ReconciliationOptions
{
    public const string Section = "Billing:Reconciliation";

    /// <summary>How often the job looks for unconfirmed orders.</summary>
    [Range(1, 3600)] public int IntervalSeconds { get; set; } = 30;

    /// <summary>An order younger than this is left to its notification, which normally arrives within seconds.</summary>
    [Range(0, 86_400)] public int MinimumAgeSeconds { get; set; } = 60;

    /// <summary>How long a claimed order is left alone before it is queried again (by this worker or another).</summary>
    [Range(5, 86_400)] public int RecheckSeconds { get; set; } = 60;

    /// <summary>Orders per round, so one round never holds the provider or the database for long.</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 50;
}
