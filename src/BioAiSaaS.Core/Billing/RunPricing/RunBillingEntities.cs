namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>How a run is paid for (the seed's two modes).</summary>
public static class BillingModes
{
    /// <summary>Tokens and sandbox time are charged as used, beyond the plan's included amounts.</summary>
    public const string TokenBased = "token-based";

    /// <summary>A fixed fee, charged only when the run succeeds; its token usage is not charged again.</summary>
    public const string OutcomeBased = "outcome-based";
}

/// <summary>
/// A kind of task a project run may name (table <c>task_templates</c>, seeded by the RunBilling migration, readable by
/// everyone, written only by migrations): it fixes the run's billing mode and, for an outcome-priced template, its fee.
/// </summary>
public sealed class TaskTemplate
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string BillingMode { get; init; }
    /// <summary>The fee of a successful outcome-priced run; 0 for a token-priced template.</summary>
    public long PriceFen { get; init; }
    /// <summary>The token budget a run of this template gets when it names none.</summary>
    public long? DefaultMaxTokens { get; init; }
    public int Rank { get; init; }
}

/// <summary>A user's billing preferences (table <c>billing_settings</c>); no row means the defaults.</summary>
public sealed class BillingSettings
{
    public Guid UserId { get; init; }
    /// <summary>A run whose quote fits in what is left of this may start without the user confirming it.</summary>
    public long AutoAuthoriseLimitFen { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>How a run came to be allowed to spend.</summary>
public static class Authorisations
{
    /// <summary>Within the user's remaining auto-authorisation limit.</summary>
    public const string Auto = "auto";

    /// <summary>Above it, and confirmed by the user (<c>POST /api/billing/quotes/{id}/confirm</c>).</summary>
    public const string Confirmed = "confirmed";
}

/// <summary>Where an outcome-priced run's fee stands.</summary>
public static class OutcomeStatuses
{
    /// <summary>Charged; the user may still reject it until <see cref="RunCharge.OutcomeAcceptBy"/>.</summary>
    public const string Pending = "pending";
    public const string Accepted = "accepted";
    /// <summary>Rejected in time: the fee went back to the wallet.</summary>
    public const string Rejected = "rejected";
}

/// <summary>
/// What a project run was quoted and authorised to spend, and for an outcome-priced run where its fee stands
/// (table <c>run_charges</c>, one row per run, written in the same transaction as the run).
/// </summary>
public sealed class RunCharge
{
    public Guid RunId { get; init; }
    public Guid UserId { get; init; }
    public required string BillingMode { get; init; }
    public string? TemplateCode { get; init; }
    /// <summary>What the run may cost the wallet (after the plan's included allowance); an outcome run's fee.</summary>
    public long QuoteFen { get; init; }
    /// <summary>The same at list price, before the included allowance.</summary>
    public long ListFen { get; init; }
    public required string Basis { get; init; }
    public string? RateCard { get; init; }
    public int? RateCardVersion { get; init; }
    public required string Authorisation { get; init; }
    /// <summary>The confirmed quote, when the run needed one.</summary>
    public Guid? QuoteId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public long? OutcomeFeeFen { get; set; }
    public string? OutcomeStatus { get; set; }
    public DateTimeOffset? OutcomeChargedAt { get; set; }
    /// <summary>Fixed when the fee is charged: the end of the window in which the user may reject the outcome.</summary>
    public DateTimeOffset? OutcomeAcceptBy { get; set; }
    public DateTimeOffset? OutcomeDecidedAt { get; set; }
    public string? OutcomeRejectReason { get; set; }
}

/// <summary>Where a stored quote stands.</summary>
public static class QuoteStatuses
{
    public const string Pending = "pending";
    public const string Confirmed = "confirmed";
}

/// <summary>
/// A run held back because its quote exceeded the user's remaining auto-authorisation (table <c>run_quotes</c>): the
/// prepared run waits here until its owner confirms it before <see cref="ExpiresAt"/>; confirming creates and queues it.
/// </summary>
public sealed class RunQuote
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public Guid ProjectId { get; init; }
    public long AmountFen { get; init; }
    public long ListFen { get; init; }
    public required string Basis { get; init; }
    public required string BillingMode { get; init; }
    public string? TemplateCode { get; init; }
    public string? RateCard { get; init; }
    public int? RateCardVersion { get; init; }
    /// <summary>The prepared run: <see cref="Runs.RunKind"/>, task, workflow and settings (<see cref="PreparedRun"/> as JSON).</summary>
    public required string Run { get; init; }
    public required string Status { get; set; }
    public Guid? RunId { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>A run as it will be created once authorised.</summary>
public sealed record PreparedRun(Runs.RunKind Kind, string? Task, string? Workflow, string? Settings);
