using System.Diagnostics;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

// Usage: BillingThroughput <connection string> [users=10000] [events per user=20] [workers=2]
// 1. Loads <users> Pro subscribers whose period ended yesterday, each with a top-up, and <events per user> unbilled
//    usage events each (tokens beyond the plan's allowance, so every batch posts a charge).
// 2. Ingestion: <workers> parallel loops bill every user's events exactly as the Worker's job does (UsageIngestor,
//    acting as the user: claim, price, post, mark billed in one transaction); reports events/s.
// 3. Invoices: the same loops roll each subscription over (the draft invoice of the ended period) and finalise it
//    (InvoiceBuilder); reports the time for all users.
var connectionString = args[0];
var users = args.Length > 1 ? int.Parse(args[1]) : 10_000;
var eventsPerUser = args.Length > 2 ? int.Parse(args[2]) : 20;
var workers = args.Length > 3 ? int.Parse(args[3]) : 2;

DbContextOptions<BioDbContext> Options()
{
    var options = new DbContextOptionsBuilder<BioDbContext>();
    BioDatabase.Configure(options, connectionString);
    return options.Options;
}

await using (var db = new BioDbContext(Options()))
{
    await db.Database.MigrateAsync();
}
await using var dataSource = NpgsqlDataSource.Create(connectionString);
var ids = Enumerable.Range(0, users).Select(_ => Guid.CreateVersion7()).ToArray();
var load = Stopwatch.StartNew();
await using (var connection = await dataSource.OpenConnectionAsync())
{
    await using (var copy = await connection.BeginBinaryImportAsync("""
        COPY users (id, created_at, user_name, normalized_user_name, email, normalized_email, email_confirmed, phone_number_confirmed,
                    two_factor_enabled, lockout_enabled, access_failed_count) FROM STDIN (FORMAT BINARY)
        """))
    {
        foreach (var id in ids)
        {
            var email = $"{id:N}@bench.test";
            await copy.WriteRowAsync(default, id, DateTimeOffset.UtcNow, email, email.ToUpperInvariant(), email, email.ToUpperInvariant(),
                true, false, false, false, 0);
        }
        await copy.CompleteAsync();
    }
    var now = DateTimeOffset.UtcNow;
    await using (var copy = await connection.BeginBinaryImportAsync("""
        COPY subscriptions (user_id, plan_code, status, current_period_start, current_period_end, cancel_at_period_end, updated_at)
        FROM STDIN (FORMAT BINARY)
        """))
    {
        foreach (var id in ids)
        {
            await copy.WriteRowAsync(default, id, "pro", "active", now.AddMonths(-1).AddDays(-1), now.AddDays(-1), false, now);
        }
        await copy.CompleteAsync();
    }
    // A top-up each, through the posting function acting as the user (as every posting is made).
    foreach (var id in ids)
    {
        await using var command = new NpgsqlCommand("""
            SELECT set_config('app.user_id', @id::text, false);
            SELECT outcome FROM billing_post_entry('bench-topup:' || @id::text, 'topup', @id, 'bench', NULL, NULL, NULL, NULL,
                ARRAY['clearing:wechatpay', 'wallet:' || @id::text], ARRAY[1000000, -1000000]::bigint[], false);
            """, connection);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync();
    }
    // Usage in the ended period: 6M tokens a user, the last million beyond Pro's allowance (5M), so charges are posted.
    await using (var copy = await connection.BeginBinaryImportAsync("""
        COPY usage_events (key, owner_id, run_id, step_id, kind, quantity, model, rate_card, created_at) FROM STDIN (FORMAT BINARY)
        """))
    {
        foreach (var id in ids)
        {
            var run = Guid.CreateVersion7();
            for (var i = 0; i < eventsPerUser; i++)
            {
                await copy.WriteRowAsync(default, $"run:{run}:step:s:attempt:1:call:{i}:llm_input_tokens", id, run, "s", "llm_input_tokens",
                    6_000_000m / eventsPerUser, "bench-model", "standard", now.AddDays(-2).AddSeconds(i));
            }
        }
        await copy.CompleteAsync();
    }
}
Console.WriteLine($"loaded {users} users, {users * eventsPerUser} usage events in {load.Elapsed.TotalSeconds:0.0} s");

async Task<DbContextHolder> AsUserAsync(Guid user)
{
    var db = new BioDbContext(Options());
    await db.Database.OpenConnectionAsync();
    await db.Database.ExecuteSqlAsync($"SELECT set_config('app.user_id', {user.ToString()}, false)");
    return new DbContextHolder(db);
}

async Task<(TimeSpan Elapsed, long Count)> ForEachUserAsync(Func<Guid, Task<long>> work)
{
    var next = -1;
    long count = 0;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < ids.Length)
        {
            Interlocked.Add(ref count, await work(ids[i]));
        }
    })));
    return (stopwatch.Elapsed, count);
}

var (ingestTime, billed) = await ForEachUserAsync(async user =>
{
    await using var holder = await AsUserAsync(user);
    var db = holder.Db;
    var ledger = new Ledger(db);
    return await new UsageIngestor(db, ledger, new RateCardCatalog(db), new SubscriptionService(db, ledger, TimeProvider.System))
        .IngestAllAsync(user, 500, CancellationToken.None);
});
Console.WriteLine($"ingestion: {billed} events billed in {ingestTime.TotalSeconds:0.0} s = {billed / ingestTime.TotalSeconds:0} events/s ({workers} workers)");

// Ingesting again finds nothing: idempotency by construction, checked.
var (_, again) = await ForEachUserAsync(async user =>
{
    await using var holder = await AsUserAsync(user);
    var ledger = new Ledger(holder.Db);
    return await new UsageIngestor(holder.Db, ledger, new RateCardCatalog(holder.Db), new SubscriptionService(holder.Db, ledger, TimeProvider.System))
        .IngestAllAsync(user, 500, CancellationToken.None);
});
Console.WriteLine($"ingesting again billed {again} events");

var (invoiceTime, finalised) = await ForEachUserAsync(async user =>
{
    await using var holder = await AsUserAsync(user);
    var db = holder.Db;
    var ledger = new Ledger(db);
    var subscriptions = new SubscriptionService(db, ledger, TimeProvider.System);
    await subscriptions.GetAsync(user, CancellationToken.None); // rolls the ended period over: renewal and draft invoice
    var draft = await db.Database.SqlQuery<long>($"""SELECT id AS "Value" FROM invoices WHERE user_id = {user} AND status = 'draft'""")
        .ToListAsync();
    var builder = new InvoiceBuilder(db, new UsageIngestor(db, ledger, new RateCardCatalog(db), subscriptions));
    long done = 0;
    foreach (var id in draft)
    {
        done += await builder.FinaliseAsync(user, id, CancellationToken.None) ? 1 : 0;
    }
    return done;
});
Console.WriteLine($"invoices: {finalised} finalised for {users} users in {invoiceTime.TotalSeconds:0.0} s = {finalised / invoiceTime.TotalSeconds:0} invoices/s ({workers} workers)");
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var check = new NpgsqlCommand("""
    SELECT (SELECT count(*) FROM invoices WHERE status = 'final'),
           (SELECT -coalesce(sum(l.amount_fen), 0) FROM journal_lines l WHERE l.account = 'revenue:usage'),
           (SELECT count(*) FROM usage_events WHERE billed_at IS NULL)
    """, connection))
await using (var reader = await check.ExecuteReaderAsync())
{
    await reader.ReadAsync();
    Console.WriteLine($"check: {reader.GetInt64(0)} final invoices, usage revenue {reader.GetInt64(1)} fen, {reader.GetInt64(2)} events unbilled");
}

/// <summary>A context acting as one user, disposed with its connection.</summary>
internal sealed class DbContextHolder(BioDbContext db) : IAsyncDisposable
{
    public BioDbContext Db { get; } = db;

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
