using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Admin;

/// <summary>The finance reports' settings (<c>Billing:Finance</c>).</summary>
public sealed class FinanceOptions
{
    public const string Section = "Billing:Finance";

    /// <summary>What the model provider charges us per 1M tokens, in fen, for the LLM-cost-to-revenue ratio.</summary>
    [Range(0, 10_000_000)]
    public long LlmCostPerMillionTokensFen { get; set; } = 4_000;

    /// <summary>The seed's health target: LLM cost under this share of revenue, in basis points (3000 = 30 %).</summary>
    [Range(0, 10_000)]
    public int LlmCostTargetBasisPoints { get; set; } = 3_000;
}

/// <summary>A ledger aggregate as the report function returns it.</summary>
public sealed record LedgerRow(DateOnly Day, string Account, string Kind, string PlanCode, long AmountFen, long Entries);

/// <summary>Usage of one user in the range.</summary>
public sealed record UsageRow(Guid UserId, string? Email, decimal Tokens, decimal SandboxSeconds);

/// <summary>A subscription as it stands.</summary>
public sealed record SubscriptionRow(Guid UserId, string PlanCode, string Status, long MonthlyPriceFen, bool CancelAtPeriodEnd,
    string? ScheduledPlanCode, DateTimeOffset UpdatedAt);

public sealed record RevenueLine(DateOnly Day, string Source, string Plan, long AmountFen, string Amount);
public sealed record PaymentLine(DateOnly Day, string Provider, long InFen, long RefundedFen, long NetFen);
public sealed record RefundLine(DateOnly Day, string Kind, long AmountFen, long Count);
public sealed record MrrLine(string Plan, long Subscribers, long MrrFen, string Mrr);
public sealed record ChurnReport(long PayingSubscribers, long CancellingAtPeriodEnd, long DowngradingToFree, long ChurnBasisPoints);
public sealed record TopUser(Guid UserId, string? Email, decimal Tokens, decimal SandboxSeconds);
public sealed record LlmCostReport(long Tokens, long LlmCostFen, long RevenueFen, long RatioBasisPoints, long TargetBasisPoints, bool WithinTarget);

/// <summary>
/// Finance for administrators: revenue by day, plan and source; payments and refunds by provider; MRR; churn; the
/// heaviest users; and the LLM-cost-to-revenue ratio — each as JSON, or CSV with <c>?format=csv</c>. Days are
/// Beijing-time calendar days; ranges are [from, to] inclusive (default: the last 30 days).
/// </summary>
public static class FinanceReportsApi
{

    public static IEndpointRouteBuilder MapFinanceReportsApi(this IEndpointRouteBuilder app)
    {
        var finance = app.MapGroup("/api/admin/finance").WithTags("Administration").RequireAuthorization(Policies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem();
        finance.MapGet("/revenue", RevenueAsync).WithSummary("Revenue by day, source (usage, outcome, subscription) and plan");
        finance.MapGet("/payments", PaymentsAsync).WithSummary("Money in and refunded, by day and provider");
        finance.MapGet("/refunds", RefundsAsync).WithSummary("Refunds by day: to payers, and outcome refunds to wallets");
        finance.MapGet("/mrr", MrrAsync).WithSummary("Monthly recurring revenue by plan, as subscriptions stand");
        finance.MapGet("/churn", ChurnAsync).WithSummary("Paying subscribers, and those leaving at period end");
        finance.MapGet("/top-users", TopUsersAsync).WithSummary("The users with the most model tokens in the range");
        finance.MapGet("/llm-cost", LlmCostAsync).WithSummary("LLM cost against revenue in the range (target under 30 %)");
        return app;
    }

    public static IHostApplicationBuilder AddFinanceReports(this IHostApplicationBuilder builder)
    {
        return builder.AddValidatedOptions<FinanceOptions>(FinanceOptions.Section);
    }

    private static async Task<IResult> RevenueAsync(DateOnly? from, DateOnly? to, string? format, BioDbContext db, CancellationToken ct) =>
        await ReportAsync(from, to, format, async (start, end) => (await LedgerAsync(db, start, end, ct))
            .Where(r => r.Account.StartsWith("revenue:", StringComparison.Ordinal))
            .GroupBy(r => (r.Day, Source: r.Account["revenue:".Length..], r.PlanCode))
            .Select(g => new RevenueLine(g.Key.Day, g.Key.Source, g.Key.PlanCode, -g.Sum(r => r.AmountFen), Money.Format(-g.Sum(r => r.AmountFen))))
            .OrderBy(l => l.Day).ThenBy(l => l.Source, StringComparer.Ordinal).ThenBy(l => l.Plan, StringComparer.Ordinal).ToList());

    private static async Task<IResult> PaymentsAsync(DateOnly? from, DateOnly? to, string? format, BioDbContext db, CancellationToken ct) =>
        await ReportAsync(from, to, format, async (start, end) => (await LedgerAsync(db, start, end, ct))
            .Where(r => r.Account.StartsWith("clearing:", StringComparison.Ordinal))
            .GroupBy(r => (r.Day, Provider: r.Account["clearing:".Length..]))
            .Select(g =>
            {
                var paidIn = g.Where(r => r.AmountFen > 0).Sum(r => r.AmountFen);
                var refunded = -g.Where(r => r.AmountFen < 0).Sum(r => r.AmountFen);
                return new PaymentLine(g.Key.Day, g.Key.Provider, paidIn, refunded, paidIn - refunded);
            })
            .OrderBy(l => l.Day).ThenBy(l => l.Provider, StringComparer.Ordinal).ToList());

    private static async Task<IResult> RefundsAsync(DateOnly? from, DateOnly? to, string? format, BioDbContext db, CancellationToken ct) =>
        await ReportAsync(from, to, format, async (start, end) => (await LedgerAsync(db, start, end, ct))
            .Where(r => r.Kind is EntryKinds.ProviderRefund or EntryKinds.Refund && r.Account.StartsWith(LedgerAccounts.WalletPrefix, StringComparison.Ordinal))
            .GroupBy(r => (r.Day, r.Kind))
            // To payers a wallet is debited (positive); a refund to the wallet credits it (negative): report both as amounts.
            .Select(g => new RefundLine(g.Key.Day, g.Key.Kind, Math.Abs(g.Sum(r => r.AmountFen)), g.Sum(r => r.Entries)))
            .OrderBy(l => l.Day).ThenBy(l => l.Kind, StringComparer.Ordinal).ToList());

    private static async Task<IResult> MrrAsync(string? format, BioDbContext db, CancellationToken ct)
    {
        var rows = await SubscriptionsAsync(db, ct);
        var lines = rows.Where(IsPaying).GroupBy(s => s.PlanCode)
            .Select(g => new MrrLine(g.Key, g.Count(), g.Sum(s => s.MonthlyPriceFen), Money.Format(g.Sum(s => s.MonthlyPriceFen))))
            .OrderBy(l => l.Plan, StringComparer.Ordinal).ToList();
        return Answer(format, lines);
    }

    private static async Task<IResult> ChurnAsync(string? format, BioDbContext db, CancellationToken ct)
    {
        var paying = (await SubscriptionsAsync(db, ct)).Where(IsPaying).ToList();
        var cancelling = paying.Count(s => s.CancelAtPeriodEnd);
        var toFree = paying.Count(s => !s.CancelAtPeriodEnd && s.ScheduledPlanCode == "free");
        var leaving = cancelling + toFree;
        return Answer(format, new ChurnReport(paying.Count, cancelling, toFree, paying.Count == 0 ? 0 : leaving * 10_000L / paying.Count));
    }

    private static async Task<IResult> TopUsersAsync(DateOnly? from, DateOnly? to, string? format, int? limit, BioDbContext db, CancellationToken ct)
    {
        if (limit is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 1000."] });
        }
        return await ReportAsync(from, to, format, async (start, end) => (await UsageAsync(db, start, end, ct))
            .OrderByDescending(u => u.Tokens).ThenByDescending(u => u.SandboxSeconds).Take(limit ?? 20)
            .Select(u => new TopUser(u.UserId, u.Email, u.Tokens, u.SandboxSeconds)).ToList());
    }

    private static async Task<IResult> LlmCostAsync(DateOnly? from, DateOnly? to, string? format, BioDbContext db, IOptions<FinanceOptions> options,
        CancellationToken ct)
    {
        if (Range(from, to) is not { } range)
        {
            return RangeProblem();
        }
        var tokens = (long)(await UsageAsync(db, range.Start, range.End, ct)).Sum(u => u.Tokens);
        var revenue = -(await LedgerAsync(db, range.Start, range.End, ct)).Where(r => r.Account.StartsWith("revenue:", StringComparison.Ordinal))
            .Sum(r => r.AmountFen);
        var cost = Money.Charge(tokens, options.Value.LlmCostPerMillionTokensFen, 1_000_000);
        // Basis points of revenue; with no revenue the ratio is undefined, reported as 0 and never within target.
        var ratio = revenue <= 0 ? 0 : Money.DivideRounded((Int128)cost * 10_000, revenue);
        return Answer(format, new LlmCostReport(tokens, cost, revenue, ratio, options.Value.LlmCostTargetBasisPoints,
            revenue > 0 && ratio < options.Value.LlmCostTargetBasisPoints));
    }

    private static bool IsPaying(SubscriptionRow s) => s.MonthlyPriceFen > 0 && s.Status == "active";

    private static Task<List<LedgerRow>> LedgerAsync(BioDbContext db, DateTimeOffset start, DateTimeOffset end, CancellationToken ct) =>
        db.Database.SqlQuery<LedgerRow>($"SELECT day, account, kind, plan_code, amount_fen, entries FROM finance_ledger({start}, {end})")
            .ToListAsync(ct);

    private static Task<List<UsageRow>> UsageAsync(BioDbContext db, DateTimeOffset start, DateTimeOffset end, CancellationToken ct) =>
        db.Database.SqlQuery<UsageRow>($"SELECT user_id, email, tokens, sandbox_seconds FROM finance_usage({start}, {end})").ToListAsync(ct);

    private static Task<List<SubscriptionRow>> SubscriptionsAsync(BioDbContext db, CancellationToken ct) =>
        db.Database.SqlQuery<SubscriptionRow>(
                $"SELECT user_id, plan_code, status, monthly_price_fen, cancel_at_period_end, scheduled_plan_code, updated_at FROM finance_subscriptions()")
            .ToListAsync(ct);

    private static async Task<IResult> ReportAsync<T>(DateOnly? from, DateOnly? to, string? format,
        Func<DateTimeOffset, DateTimeOffset, Task<List<T>>> rows)
    {
        if (format is not (null or "json" or "csv"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["json (default) or csv."] });
        }
        return Range(from, to) is { } range ? Answer(format, await rows(range.Start, range.End)) : RangeProblem();
    }

    private static (DateTimeOffset Start, DateTimeOffset End)? Range(DateOnly? from, DateOnly? to) =>
        BeijingDays.From(from, to) is { } days ? (days.Start, days.End) : null;

    private static ValidationProblem RangeProblem() => BeijingDays.Problem();

    private static IResult Answer<T>(string? format, T report) where T : notnull => format == "csv"
        ? TypedResults.Text(Csv.Of(report is System.Collections.IEnumerable rows ? rows.Cast<object>() : [report]), "text/csv; charset=utf-8")
        : TypedResults.Ok(report);
}

/// <summary>RFC 4180 CSV of records: a header of their property names, then one line each, fields quoted when needed.</summary>
public static class Csv
{
    public static string Of(IEnumerable<object> rows)
    {
        var list = rows.ToList();
        var csv = new StringBuilder();
        if (list.Count == 0)
        {
            return "";
        }
        var properties = list[0].GetType().GetProperties();
        csv.AppendJoin(',', properties.Select(p => Field(char.ToLowerInvariant(p.Name[0]) + p.Name[1..]))).Append("\r\n");
        foreach (var row in list)
        {
            csv.AppendJoin(',', properties.Select(p => Field(Format(p.GetValue(row))))).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset at => at.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
