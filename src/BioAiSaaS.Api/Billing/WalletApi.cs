using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Billing;

/// <summary>A movement of the wallet, from the user's side: <paramref name="AmountFen"/> positive adds to the balance.</summary>
/// <param name="EntryId">The journal entry.</param>
/// <param name="Kind">topup, usage, outcome, subscription, refund, provider_refund.</param>
/// <param name="AmountFen">The change to the balance, in fen.</param>
/// <param name="Amount">The same, formatted in yuan.</param>
/// <param name="Memo">What it was for.</param>
/// <param name="CreatedAt">When it was posted.</param>
/// <param name="RunId">The run it charged, if any.</param>
/// <param name="PaymentOrder">The payment order it belongs to, if any.</param>
public sealed record WalletMovement(long EntryId, string Kind, long AmountFen, string Amount, string? Memo, DateTimeOffset CreatedAt, Guid? RunId,
    string? PaymentOrder);

/// <summary>The wallet: what may be spent (<paramref name="AvailableFen"/> = balance + the plan's credit) and recent movements.</summary>
/// <param name="BalanceFen">The balance, in fen (negative only on a plan that grants credit).</param>
/// <param name="Balance">The balance, formatted in yuan.</param>
/// <param name="CreditLimitFen">How far below zero the plan lets the balance go.</param>
/// <param name="AvailableFen">Balance plus credit: the largest debit that would succeed now.</param>
/// <param name="Movements">The most recent movements, newest first.</param>
public sealed record WalletResponse(long BalanceFen, string Balance, long CreditLimitFen, long AvailableFen, List<WalletMovement> Movements);

public static class WalletApi
{
    public static IEndpointRouteBuilder MapWalletApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/billing/wallet", GetAsync)
            .WithTags("Billing").WithName("GetWallet")
            .WithSummary("The caller's balance, credit and recent movements")
            .WithDescription("The balance is derived from the double-entry journal; top up with POST /api/billing/topups.")
            .RequireAuthorization()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Results<Ok<WalletResponse>, ValidationProblem>> GetAsync(HttpContext context, BioDbContext db, Ledger ledger,
        SubscriptionService subscriptions, int? limit, CancellationToken cancellationToken)
    {
        var take = limit ?? 20;
        if (take is < 1 or > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        }
        var userId = context.User.RequiredUserId();
        var subscription = await subscriptions.GetAsync(userId, cancellationToken);
        var creditLimit = await db.Plans.AsNoTracking().Where(p => p.Code == subscription.PlanCode).Select(p => p.CreditLimitFen)
            .SingleAsync(cancellationToken);
        var wallet = await ledger.WalletAsync(userId, cancellationToken);
        var account = LedgerAccounts.Wallet(userId);
        var movements = await (
                from line in db.JournalLines.AsNoTracking()
                join entry in db.JournalEntries.AsNoTracking() on line.EntryId equals entry.Id
                where line.Account == account
                orderby entry.Id descending
                select new { entry.Id, entry.Kind, line.AmountFen, entry.Memo, entry.CreatedAt, entry.RunId, entry.PaymentOrder })
            .Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new WalletResponse(wallet.BalanceFen, Money.Format(wallet.BalanceFen), creditLimit, wallet.BalanceFen + creditLimit,
            movements.Select(m => new WalletMovement(m.Id, m.Kind, -m.AmountFen, Money.Format(-m.AmountFen), m.Memo, m.CreatedAt, m.RunId,
                m.PaymentOrder)).ToList()));
    }
}
