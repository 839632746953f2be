using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Tests.Billing;

/// <summary>The double-entry journal on the real database, through the services' own login under row-level security.</summary>
[Collection(StackCollection.Name)]
public sealed class LedgerTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Posting Charge(Guid user, string key, long fen) =>
        Posting.Debit(key, EntryKinds.Usage, user, fen, LedgerAccounts.UsageRevenue, "usage");

    [Fact]
    public async Task A_top_up_credits_the_wallet_and_the_balance_is_derived_from_the_journal()
    {
        var user = Guid.NewGuid();
        await using var db = await stack.CreateTenantDbContextAsync(user);
        var ledger = new Ledger(db);

        var posted = await ledger.PostAsync(Posting.TopUp(user, PaymentProviders.WeChatPay, "TUledger000001", 1_000), Ct);
        await ledger.PostAsync(Charge(user, $"usage:{user}:1", 250), Ct);

        Assert.Equal(PostingOutcome.Posted, posted.Outcome);
        Assert.Equal(750, await ledger.BalanceAsync(user, Ct));
        Assert.Equal(750, (await ledger.WalletAsync(user, Ct)).BalanceFen);
        var lines = await db.JournalLines.AsNoTracking().Where(l => l.EntryId == posted.EntryId).ToListAsync(Ct);
        Assert.Equal(0, lines.Sum(l => l.AmountFen));
        Assert.Contains(lines, l => l.Account == "clearing:wechatpay" && l.AmountFen == 1_000);
        Assert.Contains(lines, l => l.Account == LedgerAccounts.Wallet(user) && l.AmountFen == -1_000);
    }

    [Fact]
    public async Task The_same_key_posted_twice_or_concurrently_is_one_entry()
    {
        var user = Guid.NewGuid();
        var topUp = Posting.TopUp(user, PaymentProviders.WeChatPay, "TUledger000002", 500);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            await using var db = await stack.CreateTenantDbContextAsync(user);
            return await new Ledger(db).PostAsync(topUp, Ct);
        }));
        await using var check = await stack.CreateTenantDbContextAsync(user);
        var again = await new Ledger(check).PostAsync(topUp, Ct);

        Assert.Single(results, r => r.Outcome == PostingOutcome.Posted);
        Assert.Equal(PostingOutcome.AlreadyPosted, again.Outcome);
        Assert.All(results, r => Assert.Equal(again.EntryId, r.EntryId));
        Assert.Equal(1, await check.JournalEntries.CountAsync(e => e.Key == topUp.Key, Ct));
        Assert.Equal(500, await new Ledger(check).BalanceAsync(user, Ct));
    }

    [Fact]
    public async Task Twenty_concurrent_debits_of_a_wallet_that_covers_five_leave_exactly_five_and_never_overdraw()
    {
        var user = Guid.NewGuid();
        await using (var db = await stack.CreateTenantDbContextAsync(user))
        {
            await new Ledger(db).PostAsync(Posting.TopUp(user, PaymentProviders.WeChatPay, "TUledger000003", 500), Ct);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var db = await stack.CreateTenantDbContextAsync(user);
            return await new Ledger(db).PostAsync(Charge(user, $"usage:{user}:{i}", 100), Ct);
        }));

        Assert.Equal(5, results.Count(r => r.Outcome == PostingOutcome.Posted));
        Assert.Equal(15, results.Count(r => r.Outcome == PostingOutcome.InsufficientFunds));
        Assert.All(results, r => Assert.True(r.BalanceFen >= 0));
        await using var check = await stack.CreateTenantDbContextAsync(user);
        var ledger = new Ledger(check);
        Assert.Equal(0, await ledger.BalanceAsync(user, Ct));
        Assert.Equal(await ledger.BalanceAsync(user, Ct), (await ledger.WalletAsync(user, Ct)).BalanceFen);
        Assert.Equal(6, await check.JournalEntries.CountAsync(Ct)); // the top-up and five charges: refused ones left nothing
    }

    [Fact]
    public async Task A_refused_debit_is_a_typed_error_and_posts_nothing()
    {
        var user = Guid.NewGuid();
        await using var db = await stack.CreateTenantDbContextAsync(user);
        var ledger = new Ledger(db);
        await ledger.PostAsync(Posting.TopUp(user, PaymentProviders.WeChatPay, "TUledger000004", 100), Ct);

        var refused = await Assert.ThrowsAsync<InsufficientFundsException>(() => ledger.PostOrThrowAsync(Charge(user, $"usage:{user}:big", 101), Ct));

        Assert.Equal(101, refused.RequiredFen);
        Assert.Equal(100, refused.AvailableFen);
        Assert.False(await db.JournalEntries.AnyAsync(e => e.Key == $"usage:{user}:big", Ct));
        Assert.Equal(100, await ledger.BalanceAsync(user, Ct));
    }

    [Fact]
    public async Task An_unbalanced_entry_is_refused_by_the_code_and_by_the_database()
    {
        var user = Guid.NewGuid();
        await using var db = await stack.CreateTenantDbContextAsync(user);
        var unbalanced = new Posting($"bad:{user}", EntryKinds.Usage, user,
            [new(LedgerAccounts.Wallet(user), 100), new(LedgerAccounts.UsageRevenue, -90)]);

        await Assert.ThrowsAsync<ArgumentException>(() => new Ledger(db).PostAsync(unbalanced, Ct));

        // The posting function checks it too…
        var viaFunction = await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlAsync($"""
            SELECT * FROM billing_post_entry({"bad:" + user}, 'usage', {user}, NULL, NULL, NULL, NULL, NULL,
                ARRAY['wallet:' || {user}::text, 'revenue:usage'], ARRAY[100, -90]::bigint[], false)
            """, Ct));
        Assert.Equal(PostgresErrorCodes.CheckViolation, viaFunction.SqlState);

        // …and so does the deferred constraint trigger, even for the owner writing the tables directly.
        await using var owner = new NpgsqlConnection(stack.DatabaseConnectionString);
        await owner.OpenAsync(Ct);
        await using var transaction = await owner.BeginTransactionAsync(Ct);
        await using (var insert = new NpgsqlCommand("""
            WITH e AS (INSERT INTO journal_entries (key, kind, user_id, created_at) VALUES ($1, 'usage', $2, now()) RETURNING id)
            INSERT INTO journal_lines (entry_id, user_id, account, amount_fen) SELECT id, $2, 'revenue:usage', -90 FROM e
            """, owner, transaction) { Parameters = { new() { Value = $"direct:{user}" }, new() { Value = user } } })
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }
        var atCommit = await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync(Ct));
        Assert.Equal(PostgresErrorCodes.CheckViolation, atCommit.SqlState);
    }

    [Fact]
    public async Task The_services_login_can_read_its_own_journal_but_never_write_it_or_another_users_wallet()
    {
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        await BillingSteps.FundAsync(stack, bob, 300);
        await using var db = await stack.CreateTenantDbContextAsync(alice);

        // Row-level security: Bob's entries and wallet are invisible to a scope acting for Alice.
        Assert.False(await db.JournalLines.AnyAsync(l => l.UserId == bob, Ct));
        Assert.False(await db.Wallets.AnyAsync(w => w.UserId == bob, Ct));
        // No direct writes, not even to one's own rows: money moves only through the posting function…
        var write = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Database.ExecuteSqlAsync($"UPDATE wallets SET balance_fen = 1000000 WHERE user_id = {alice}", Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, write.SqlState);
        // …which acts only for the scope's own user.
        var forBob = await Assert.ThrowsAsync<PostgresException>(() => new Ledger(db).PostAsync(Charge(bob, $"steal:{bob}", 300), Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, forBob.SqlState);
    }
}
