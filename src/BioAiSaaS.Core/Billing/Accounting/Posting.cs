namespace BioAiSaaS.Core.Billing.Accounting;

/// <summary>One side of a posting: an account and a signed amount (debit positive).</summary>
public sealed record PostingLine(string Account, long AmountFen);

/// <summary>
/// An entry to post. <see cref="Key"/> is its permanent idempotency key: posting the same key again returns the
/// first entry and moves nothing. <see cref="AllowOverdraw"/> is for money that has already left (a refund the
/// provider made): it may take the wallet past its credit limit, because refusing would not bring the money back.
/// </summary>
public sealed record Posting(
    string Key,
    string Kind,
    Guid UserId,
    IReadOnlyList<PostingLine> Lines,
    string? Memo = null,
    Guid? RunId = null,
    string? RateCard = null,
    int? RateCardVersion = null,
    string? PaymentOrder = null,
    bool AllowOverdraw = false)
{
    public const int MaxKeyLength = 200;

    /// <summary>Why the posting is malformed, or null: a key, two lines or more, non-zero amounts that sum to zero.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(Key) || Key.Length > MaxKeyLength)
        {
            return $"The key is 1–{MaxKeyLength} characters.";
        }
        if (Lines.Count < 2)
        {
            return "An entry has at least two lines.";
        }
        if (Lines.Any(l => l.AmountFen == 0 || string.IsNullOrWhiteSpace(l.Account)))
        {
            return "Every line names an account and moves a non-zero amount.";
        }
        Int128 sum = 0;
        foreach (var line in Lines)
        {
            sum += line.AmountFen;
        }
        return sum == 0 ? null : $"The lines sum to {sum} fen, not 0: debits and credits must balance.";
    }

    /// <summary>Money in: the provider's clearing account is debited, the user's wallet credited.</summary>
    public static Posting TopUp(Guid userId, string provider, string outTradeNo, long amountFen) => new(
        PaymentKey(provider, outTradeNo), EntryKinds.TopUp, userId,
        [new(LedgerAccounts.Clearing(provider), amountFen), new(LedgerAccounts.Wallet(userId), -amountFen)],
        Memo: $"Top-up {Money.Format(amountFen)} by {provider}", PaymentOrder: outTradeNo);

    /// <summary>Money out to the payer: the wallet is debited, the provider's clearing account credited.</summary>
    public static Posting ProviderRefund(Guid userId, string provider, string outTradeNo, string outRefundNo, long amountFen) => new(
        RefundKey(provider, outRefundNo), EntryKinds.ProviderRefund, userId,
        [new(LedgerAccounts.Wallet(userId), amountFen), new(LedgerAccounts.Clearing(provider), -amountFen)],
        Memo: $"Refund {Money.Format(amountFen)} of {outTradeNo} by {provider}", PaymentOrder: outTradeNo, AllowOverdraw: true);

    /// <summary>
    /// A refund the user asked for, held out of the wallet while the provider sends the money back, so the same money
    /// cannot be spent meanwhile. The provider's answer either moves the hold to the provider's clearing account
    /// (<see cref="RefundFromHold"/>) or gives it back (<see cref="RefundHoldRelease"/>).
    /// </summary>
    public static Posting RefundHold(Guid userId, string provider, string outTradeNo, string outRefundNo, long amountFen) => new(
        RefundHoldKey(provider, outRefundNo), EntryKinds.RefundHold, userId,
        [new(LedgerAccounts.Wallet(userId), amountFen), new(LedgerAccounts.RefundsHeld, -amountFen)],
        Memo: $"Refund {Money.Format(amountFen)} of {outTradeNo} requested, held", PaymentOrder: outTradeNo);

    /// <summary>A held refund the provider completed: under the same key as <see cref="ProviderRefund"/>, so however
    /// the success is learnt (the answer, a notification) it is booked once.</summary>
    public static Posting RefundFromHold(Guid userId, string provider, string outTradeNo, string outRefundNo, long amountFen) => new(
        RefundKey(provider, outRefundNo), EntryKinds.ProviderRefund, userId,
        [new(LedgerAccounts.RefundsHeld, amountFen), new(LedgerAccounts.Clearing(provider), -amountFen)],
        Memo: $"Refund {Money.Format(amountFen)} of {outTradeNo} by {provider}", PaymentOrder: outTradeNo);

    /// <summary>A held refund the provider refused or closed: the money goes back to the wallet, once.</summary>
    public static Posting RefundHoldRelease(Guid userId, string provider, string outTradeNo, string outRefundNo, long amountFen) => new(
        $"refund-release:{provider}:{outRefundNo}", EntryKinds.Refund, userId,
        [new(LedgerAccounts.RefundsHeld, amountFen), new(LedgerAccounts.Wallet(userId), -amountFen)],
        Memo: $"Refund {Money.Format(amountFen)} of {outTradeNo} failed at {provider}: released", PaymentOrder: outTradeNo);

    /// <summary>The money leaving for a refund, booked once whichever way its success is learnt.</summary>
    public static string RefundKey(string provider, string outRefundNo) => $"refund:{provider}:{outRefundNo}";

    public static string RefundHoldKey(string provider, string outRefundNo) => $"refund-hold:{provider}:{outRefundNo}";

    /// <summary>A charge to the wallet, credited to <paramref name="revenueAccount"/>.</summary>
    public static Posting Debit(string key, string kind, Guid userId, long amountFen, string revenueAccount, string memo,
        Guid? runId = null, string? rateCard = null, int? rateCardVersion = null) => new(
        key, kind, userId, [new(LedgerAccounts.Wallet(userId), amountFen), new(revenueAccount, -amountFen)],
        memo, runId, rateCard, rateCardVersion);

    /// <summary>Usage priced by <paramref name="card"/>: the wallet is debited the charge's total, usage revenue
    /// credited, and the entry records the card and version that priced it.</summary>
    public static Posting Usage(string key, Guid userId, Guid? runId, RateCards.RateCard card, RateCards.Charge charge, string memo) =>
        Debit(key, EntryKinds.Usage, userId, charge.TotalFen, LedgerAccounts.UsageRevenue, memo, runId, card.Name, card.Version);

    /// <summary>The one key under which a payment is ever credited, whether a notification or the reconciliation job sees it first.</summary>
    public static string PaymentKey(string provider, string outTradeNo) => $"payment:{provider}:{outTradeNo}";
}

/// <summary>What a posting did.</summary>
public enum PostingOutcome
{
    /// <summary>Posted now.</summary>
    Posted,
    /// <summary>The key was posted before; nothing moved this time.</summary>
    AlreadyPosted,
    /// <summary>The debit would take the wallet below its credit limit; nothing was posted.</summary>
    InsufficientFunds,
}

/// <summary>The outcome, the entry (null when refused), and the wallet's balance and credit limit after it.</summary>
public sealed record PostingResult(PostingOutcome Outcome, long? EntryId, long BalanceFen, long CreditLimitFen)
{
    /// <summary>What may still be spent: the balance plus the credit the plan grants.</summary>
    public long AvailableFen => BalanceFen + CreditLimitFen;

    public bool Succeeded => Outcome != PostingOutcome.InsufficientFunds;
}

/// <summary>A debit was refused because the wallet cannot cover it.</summary>
public sealed class InsufficientFundsException(long requiredFen, long availableFen)
    : Exception($"The wallet can cover {Money.Format(availableFen)}, not {Money.Format(requiredFen)}.")
{
    public long RequiredFen { get; } = requiredFen;
    public long AvailableFen { get; } = availableFen;
}
