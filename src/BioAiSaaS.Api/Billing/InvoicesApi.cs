using System.Globalization;
using System.Net;
using System.Text;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Billing;

public sealed record InvoiceLineResponse(int Position, string Section, string Kind, string Description, long AmountFen, int Entries);

/// <summary>An invoice: <see cref="ChargesFen"/> is what the period cost, <see cref="PaymentsFen"/> what was paid in.</summary>
public sealed record InvoiceResponse(string? Number, string Status, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, string PlanCode,
    long ChargesFen, long PaymentsFen, DateTimeOffset? FinalizedAt, IReadOnlyList<InvoiceLineResponse> Lines);

/// <summary>The caller's invoices, as JSON and as a printable page.</summary>
public static class InvoicesApi
{
    private const string HtmlSuffix = ".html";

    public static IEndpointRouteBuilder MapInvoicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/invoices").WithTags("Billing").RequireAuthorization(Policies.RunsRead);
        group.MapGet("/", ListAsync).WithName("ListInvoices").WithSummary("The caller's finalised invoices, newest first");
        group.MapGet("/{number}", GetAsync).WithName("GetInvoice")
            .WithSummary("One invoice by number (INV-yyyyMM-nnnnnn); add .html for a printable page in yuan")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<List<InvoiceResponse>>> ListAsync(HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var owner = context.User.RequiredUserId();
        var invoices = await db.Set<Invoice>().AsNoTracking().Include(i => i.Lines)
            .Where(i => i.UserId == owner && i.Status == InvoiceStatuses.Final)
            .OrderByDescending(i => i.PeriodStart).ToListAsync(cancellationToken);
        return TypedResults.Ok(invoices.Select(ToResponse).ToList());
    }

    private static async Task<Results<Ok<InvoiceResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> GetAsync(
        string number, HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        var html = number.EndsWith(HtmlSuffix, StringComparison.OrdinalIgnoreCase);
        var wanted = html ? number[..^HtmlSuffix.Length] : number;
        if (!InvoiceNumbers.IsValid(wanted))
        {
            return Problems.Invalid("number", "An invoice number looks like INV-202611-000042 (optionally followed by .html).");
        }
        var owner = context.User.RequiredUserId();
        var invoice = await db.Set<Invoice>().AsNoTracking().Include(i => i.Lines)
            .SingleOrDefaultAsync(i => i.UserId == owner && i.Number == wanted, cancellationToken);
        if (invoice is null)
        {
            return Problems.NotFound("Invoice");
        }
        return html ? TypedResults.Content(InvoicePage.Render(ToResponse(invoice)), "text/html; charset=utf-8", Encoding.UTF8) : TypedResults.Ok(ToResponse(invoice));
    }

    private static InvoiceResponse ToResponse(Invoice i) => new(i.Number, i.Status, i.PeriodStart, i.PeriodEnd, i.PlanCode, i.ChargesFen,
        i.PaymentsFen, i.FinalizedAt,
        i.Lines.OrderBy(l => l.Position).Select(l => new InvoiceLineResponse(l.Position, l.Section, l.Kind, l.Description, l.AmountFen, l.Entries)).ToList());
}

/// <summary>A self-contained printable page; every text from data is HTML-encoded.</summary>
public static class InvoicePage
{
    private const string Style = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        + "td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left}td.amount{text-align:right}";

    public static string Render(InvoiceResponse invoice)
    {
        static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        var page = new StringBuilder();
        page.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Invoice {E(invoice.Number)}</title>
            <style>{Style}</style>
            </head><body><h1>BioAiSaaS invoice {E(invoice.Number)}</h1>
            <p>Period {invoice.PeriodStart:yyyy-MM-dd} – {invoice.PeriodEnd:yyyy-MM-dd} · plan {E(invoice.PlanCode)} · {E(invoice.Status)}</p>
            """);
        foreach (var (section, title, total) in new[] { (InvoiceSections.Charges, "Charges", invoice.ChargesFen), (InvoiceSections.Payments, "Payments received", invoice.PaymentsFen) })
        {
            page.Append(CultureInfo.InvariantCulture, $"<h2>{title}</h2><table><tr><th>Item</th><th>Entries</th><th>Amount (¥)</th></tr>");
            foreach (var line in invoice.Lines.Where(l => l.Section == section))
            {
                page.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(line.Description)}</td><td>{line.Entries}</td><td class=\"amount\">{Money.Yuan(line.AmountFen)}</td></tr>");
            }
            page.Append(CultureInfo.InvariantCulture, $"<tr><th>Total</th><th></th><th class=\"amount\">{Money.Yuan(total)}</th></tr></table>");
        }
        page.Append("<p>Amounts in yuan (CNY).</p></body></html>");
        return page.ToString();
    }
}
