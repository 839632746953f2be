namespace BioAiSaaS.Core.Billing.Accounting;

/// <summary>
/// One balanced movement of money (table <c>journal_entries</c>), posted once by its permanent <see cref="Key"/>
/// and never changed. Its <see cref="Lines"/> sum to zero: debits positive, credits negative.
/// </summary>
public sealed class JournalEntry
{
    public long Id { get; init; }
    public required string Key { get; init; }
    public required string Kind { get; init; }
    /// <summary>The customer whose money this is: row-level security shows an entry to that user only.</summary>
    public Guid UserId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public string? Memo { get; init; }
    public Guid? RunId { get; init; }
    /// <summary>The rate card that priced a usage charge, and its version.</summary>
    public string? RateCard { get; init; }
    public int? RateCardVersion { get; init; }
    /// <summary>The payment order (<c>out_trade_no</c>) a top-up or provider refund belongs to.</summary>
    public string? PaymentOrder { get; init; }
    public List<JournalLine> Lines { get; init; } = [];
}

/// <summary>One side of an entry (table <c>journal_lines</c>); <see cref="AmountFen"/> is signed, debit positive.</summary>
public sealed class JournalLine
{
    public long Id { get; init; }
    public long EntryId { get; init; }
    /// <summary>The entry's user, repeated so row-level security filters lines without a join.</summary>
    public Guid UserId { get; init; }
    public required string Account { get; init; }
    public long AmountFen { get; init; }
}

/// <summary>
/// A user's wallet (table <c>wallets</c>): a cache of the journal-derived balance, kept in the same transaction as
/// every posting and locked (FOR UPDATE) by it, so concurrent debits serialise and none is lost.
/// </summary>
public sealed class Wallet
{
    public Guid UserId { get; init; }
    /// <summary>What the user may spend: the wallet account's credit balance (−Σ lines).</summary>
    public long BalanceFen { get; init; }
    /// <summary>How far below zero a debit may take the balance (the plan's credit), refreshed at each posting.</summary>
    public long CreditLimitFen { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The kinds of entry.</summary>
public static class EntryKinds
{
    public const string TopUp = "topup";
    public const string Usage = "usage";
    public const string Outcome = "outcome";
    public const string Subscription = "subscription";
    /// <summary>Money sent back to the payer by the provider.</summary>
    public const string ProviderRefund = "provider_refund";
    /// <summary>A refund the user asked for, held out of the wallet until the provider answers.</summary>
    public const string RefundHold = "refund_hold";
    /// <summary>Money given back to the wallet (an outcome rejected, a goodwill credit).</summary>
    public const string Refund = "refund";
}

/// <summary>
/// Account names. A wallet is a liability (money we hold for the user): crediting it raises the user's balance.
/// Provider clearing accounts are assets (money the provider holds for us until settlement).
/// </summary>
public static class LedgerAccounts
{
    public const string WalletPrefix = "wallet:";
    public const string UsageRevenue = "revenue:usage";
    public const string OutcomeRevenue = "revenue:outcome";
    public const string SubscriptionRevenue = "revenue:subscription";
    public const string Refunds = "refunds";
    /// <summary>Refunds promised to payers and not yet confirmed by the provider.</summary>
    public const string RefundsHeld = "refunds:held";

    public static string Wallet(Guid userId) => WalletPrefix + userId.ToString("D");

    public static string Clearing(string provider) => "clearing:" + provider;
}
