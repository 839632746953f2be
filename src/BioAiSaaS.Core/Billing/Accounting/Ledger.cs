using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.Accounting;

/// <summary>
/// Posts balanced entries and reads balances. Posting goes through the database function <c>billing_post_entry</c>
/// (SECURITY DEFINER, acting only for the scope's own user): in one statement it locks the user's wallet row, returns
/// the earlier entry if the key was posted before, refuses a debit the wallet cannot cover, and otherwise writes the
/// entry, its lines and the wallet's new cached balance. A deferred constraint trigger refuses at commit any entry
/// whose lines do not sum to zero, however it was written. Call it inside a transaction to make the posting part of
/// a larger change (an order marked paid, a plan changed); on its own it is a transaction by itself.
/// </summary>
public sealed class Ledger(BioDbContext db)
{
    public async Task<PostingResult> PostAsync(Posting posting, CancellationToken cancellationToken)
    {
        if (posting.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(posting));
        }
        var accounts = posting.Lines.Select(l => l.Account).ToArray();
        var amounts = posting.Lines.Select(l => l.AmountFen).ToArray();
        var rows = await db.Database.SqlQuery<PostedRow>($"""
            SELECT entry_id, outcome, balance_fen, credit_limit_fen
              FROM billing_post_entry({posting.Key}::text, {posting.Kind}::text, {posting.UserId}::uuid, {posting.Memo}::text,
                                      {posting.RunId}::uuid, {posting.RateCard}::text, {posting.RateCardVersion}::integer,
                                      {posting.PaymentOrder}::text, {accounts}::text[], {amounts}::bigint[], {posting.AllowOverdraw}::boolean)
            """).ToListAsync(cancellationToken);
        var row = rows.Single();
        var outcome = row.Outcome switch
        {
            "posted" => PostingOutcome.Posted,
            "already_posted" => PostingOutcome.AlreadyPosted,
            "insufficient_funds" => PostingOutcome.InsufficientFunds,
            _ => throw new InvalidOperationException($"billing_post_entry answered '{row.Outcome}'."),
        };
        return new PostingResult(outcome, row.EntryId, row.BalanceFen, row.CreditLimitFen);
    }

    /// <summary>Like <see cref="PostAsync"/>, but a refused debit is an <see cref="InsufficientFundsException"/>.</summary>
    public async Task<PostingResult> PostOrThrowAsync(Posting posting, CancellationToken cancellationToken)
    {
        var result = await PostAsync(posting, cancellationToken);
        if (result.Outcome == PostingOutcome.InsufficientFunds)
        {
            var debit = posting.Lines.Where(l => l.Account == LedgerAccounts.Wallet(posting.UserId)).Sum(l => l.AmountFen);
            throw new InsufficientFundsException(debit, result.AvailableFen);
        }
        return result;
    }

    /// <summary>The user's balance derived from the journal alone: the wallet account's credit balance.</summary>
    public async Task<long> BalanceAsync(Guid userId, CancellationToken cancellationToken)
    {
        var wallet = LedgerAccounts.Wallet(userId);
        var sums = await db.Database.SqlQuery<long>(
            $"""SELECT -coalesce(sum(amount_fen), 0)::bigint AS "Value" FROM journal_lines WHERE account = {wallet}""")
            .ToListAsync(cancellationToken);
        return sums.Single();
    }

    /// <summary>The wallet's cached balance and credit limit; a user who never had a posting has an empty wallet.</summary>
    public async Task<Wallet> WalletAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Wallets.AsNoTracking().FirstOrDefaultAsync(w => w.UserId == userId, cancellationToken)
        ?? new Wallet { UserId = userId, BalanceFen = 0, CreditLimitFen = 0, UpdatedAt = DateTimeOffset.UtcNow };

    private sealed record PostedRow(long? EntryId, string Outcome, long BalanceFen, long CreditLimitFen);
}
