using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing.Cycles;

/// <summary>
/// Finalises a user's draft invoice (created when the subscription rolled over), in the user's tenant scope: ingests
/// the user's remaining usage, then in one transaction locks the invoice (a second worker, or a re-run, finds it final
/// and does nothing), closes the period's usage (later events go to the next period), takes every journal entry not
/// yet invoiced that was posted before the roll-over plus the period's usage charges, writes the lines from them and
/// numbers the invoice. Its totals are the sum of those entries' wallet lines, so invoices add up to the journal.
/// </summary>
public sealed class InvoiceBuilder(BioDbContext db, UsageIngestor usage)
{
    public const int UsageBatchSize = 500;

    /// <summary>True if this call finalised it; false if it was final already (or is not the user's).</summary>
    public async Task<bool> FinaliseAsync(Guid userId, long invoiceId, CancellationToken cancellationToken)
    {
        await usage.IngestAllAsync(userId, UsageBatchSize, cancellationToken);
        return await db.InTransactionAsync(async () =>
        {
            var invoice = (await db.Set<Invoice>().FromSql($"SELECT * FROM invoices WHERE id = {invoiceId} FOR UPDATE").ToListAsync(cancellationToken)).SingleOrDefault();
            if (invoice is null || invoice.Status != InvoiceStatuses.Draft)
            {
                return false;
            }
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO usage_periods (user_id, period_start, period_end, plan_code, included_tokens, included_sandbox_ms, tokens_used,
                                           sandbox_ms_used, input_overage_tokens, cached_overage_tokens, closed_at, updated_at)
                VALUES ({userId}, {invoice.PeriodStart}, {invoice.PeriodEnd}, {invoice.PlanCode}, 0, 0, 0, 0, 0, 0, now(), now())
                ON CONFLICT (user_id, period_start) DO UPDATE SET closed_at = now(), updated_at = now()
                """, cancellationToken);
            var prefix = UsageIngestor.UsageKeyPrefix(userId, invoice.PeriodStart) + "%";
            var wallet = LedgerAccounts.Wallet(userId);
            var entries = await db.Database.SqlQuery<InvoicedEntry>($"""
                SELECT e.id, e.kind, coalesce(e.memo, e.kind) AS memo, l.amount_fen
                  FROM journal_entries e
                  JOIN journal_lines l ON l.entry_id = e.id AND l.account = {wallet}
                 WHERE e.user_id = {userId}
                   AND NOT EXISTS (SELECT FROM invoice_entries i WHERE i.entry_id = e.id)
                   AND ((e.kind <> 'usage' AND e.created_at < {invoice.CutOff}) OR e.key LIKE {prefix})
                 ORDER BY e.id
                """).ToListAsync(cancellationToken);
            foreach (var entry in entries)
            {
                db.Add(new InvoiceEntry { EntryId = entry.Id, InvoiceId = invoice.Id, UserId = userId });
            }
            var lines = InvoiceLines.From(entries);
            var position = 0;
            foreach (var line in lines)
            {
                db.Add(new InvoiceLine
                {
                    InvoiceId = invoice.Id, UserId = userId, Position = ++position, Section = line.Section, Kind = line.Kind,
                    Description = line.Description, AmountFen = line.AmountFen, Entries = line.Entries,
                });
            }
            invoice.ChargesFen = lines.Where(l => l.Section == InvoiceSections.Charges).Sum(l => l.AmountFen);
            invoice.PaymentsFen = lines.Where(l => l.Section == InvoiceSections.Payments).Sum(l => l.AmountFen);
            var sequence = (await db.Database.SqlQuery<long>($"""SELECT nextval('invoice_number_seq') AS "Value" """).ToListAsync(cancellationToken)).Single();
            invoice.Number = InvoiceNumbers.Format(invoice.PeriodStart, sequence);
            invoice.Status = InvoiceStatuses.Final;
            invoice.FinalizedAt = DatabaseTime.UtcNow();
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, static finalised => finalised, cancellationToken);
    }
}

/// <summary>A journal entry and its wallet line (debit positive: a charge; negative: money in or back).</summary>
public sealed record InvoicedEntry(long Id, string Kind, string Memo, long AmountFen);

/// <summary>A line before it is numbered.</summary>
public sealed record DraftLine(string Section, string Kind, string Description, long AmountFen, int Entries);

/// <summary>How entries become lines: subscription fees one by one; usage per item (model, sandbox); outcome fees,
/// refunds and credits summed by kind; top-ups and provider refunds listed apart as payments.</summary>
public static class InvoiceLines
{
    public static List<DraftLine> From(IReadOnlyList<InvoicedEntry> entries)
    {
        var lines = new List<DraftLine>();
        foreach (var entry in entries.Where(e => e.Kind == EntryKinds.Subscription))
        {
            lines.Add(new(InvoiceSections.Charges, entry.Kind, entry.Memo, entry.AmountFen, 1));
        }
        foreach (var group in entries.Where(e => e.Kind == EntryKinds.Usage).GroupBy(e => e.Memo).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            lines.Add(new(InvoiceSections.Charges, EntryKinds.Usage, group.Key, group.Sum(e => e.AmountFen), group.Count()));
        }
        foreach (var group in entries.Where(e => e.Kind is not (EntryKinds.Subscription or EntryKinds.Usage or EntryKinds.TopUp or EntryKinds.ProviderRefund))
                     .GroupBy(e => e.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            lines.Add(new(InvoiceSections.Charges, group.Key, Title(group.Key), group.Sum(e => e.AmountFen), group.Count()));
        }
        foreach (var group in entries.Where(e => e.Kind is EntryKinds.TopUp or EntryKinds.ProviderRefund).GroupBy(e => e.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Payments are shown as money received: a top-up credits the wallet (negative line), so it is negated.
            lines.Add(new(InvoiceSections.Payments, group.Key, Title(group.Key), -group.Sum(e => e.AmountFen), group.Count()));
        }
        return lines;
    }

    private static string Title(string kind) => kind switch
    {
        EntryKinds.Outcome => "Outcome fees",
        EntryKinds.Refund => "Refunds and credits",
        EntryKinds.TopUp => "Top-ups received",
        EntryKinds.ProviderRefund => "Refunds paid out",
        _ => kind,
    };
}

public static class InvoiceNumbers
{
    /// <summary>"INV-202611-000042": the period's month and a database sequence (unique, not gap-free).</summary>
    public static string Format(DateTimeOffset periodStart, long sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"INV-{periodStart.UtcDateTime:yyyyMM}-{sequence:000000}");

    public static bool IsValid(string number) => System.Text.RegularExpressions.Regex.IsMatch(number, "^INV-[0-9]{6}-[0-9]{6,12}$");
}
