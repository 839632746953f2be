namespace BioAiSaaS.Core.Billing.Cycles;

/// <summary>
/// A user's usage in one billing period (table <c>usage_periods</c>): how much of the plan's allowance is used, how
/// many overage tokens were input and cached input (so cached tokens are discounted only when they were billed), and
/// whether the period is closed (its invoice finalised; later events go to the next open period).
/// </summary>
public sealed class UsagePeriod
{
    public Guid UserId { get; init; }
    public DateTimeOffset PeriodStart { get; init; }
    public DateTimeOffset PeriodEnd { get; init; }
    public required string PlanCode { get; init; }
    public long IncludedTokens { get; init; }
    public long IncludedSandboxMs { get; init; }
    public long TokensUsed { get; set; }
    public long SandboxMsUsed { get; set; }
    public long InputOverageTokens { get; set; }
    public long CachedOverageTokens { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The exact overage cost of one thing (a model's tokens, sandbox time) in a period (table <c>usage_period_items</c>),
/// in <see cref="UsageCost.PartsPerFen"/>ths of a fen, and the whole fen already posted for it. Each ingestion posts
/// round(cost) − charged, so many small events never drift from the price of their sum.
/// </summary>
public sealed class UsagePeriodItem
{
    public Guid UserId { get; init; }
    public DateTimeOffset PeriodStart { get; init; }
    public required string Item { get; init; }
    public long OverageQuantity { get; set; }
    public long CostParts { get; set; }
    public long ChargedFen { get; set; }
}

/// <summary>A numbered invoice for one period (table <c>invoices</c>); immutable once <see cref="InvoiceStatuses.Final"/>.</summary>
public sealed class Invoice
{
    public long Id { get; init; }
    public Guid UserId { get; init; }
    public string? Number { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset PeriodStart { get; init; }
    public DateTimeOffset PeriodEnd { get; init; }
    public required string PlanCode { get; init; }
    /// <summary>When the period was rolled over: entries posted before it (and the period's usage charges) belong here.</summary>
    public DateTimeOffset CutOff { get; init; }
    public long ChargesFen { get; set; }
    public long PaymentsFen { get; set; }
    public DateTimeOffset? FinalizedAt { get; set; }
    public List<InvoiceLine> Lines { get; init; } = [];
}

/// <summary>One line of an invoice (table <c>invoice_lines</c>); a charge is positive, a credit or refund negative.</summary>
public sealed class InvoiceLine
{
    public long Id { get; init; }
    public long InvoiceId { get; init; }
    public Guid UserId { get; init; }
    public int Position { get; init; }
    /// <summary><see cref="InvoiceSections"/>: charges add to the total due, payments are listed beside it.</summary>
    public required string Section { get; init; }
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public long AmountFen { get; init; }
    public int Entries { get; init; }
}

public static class InvoiceStatuses
{
    public const string Draft = "draft";
    public const string Final = "final";
}

public static class InvoiceSections
{
    public const string Charges = "charges";
    public const string Payments = "payments";
}

/// <summary>A journal entry's place on an invoice (table <c>invoice_entries</c>): each entry is invoiced once.</summary>
public sealed class InvoiceEntry
{
    public long EntryId { get; init; }
    public long InvoiceId { get; init; }
    public Guid UserId { get; init; }
}
