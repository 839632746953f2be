using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Billing;

/// <summary>Part of a top-up back to the card or account that paid it.</summary>
/// <param name="AmountFen">At most what is left of the order and in the wallet.</param>
/// <param name="Reason">Shown to the payer by the provider (at most 80 characters).</param>
public sealed record RefundRequestBody(long? AmountFen, string? Reason);

/// <summary>A refund: <paramref name="Status"/> is Requested (sent, no answer yet), Processing, Succeeded or Failed.</summary>
/// <param name="OutRefundNo">Our refund number (the provider's idempotency key).</param>
/// <param name="OutTradeNo">The top-up it refunds.</param>
/// <param name="Provider">wechatpay or alipay.</param>
/// <param name="AmountFen">The amount in fen.</param>
/// <param name="Amount">The amount in yuan.</param>
/// <param name="Status">Requested, Processing, Succeeded or Failed.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record RefundResponse(string OutRefundNo, string OutTradeNo, string Provider, long AmountFen, string Amount, string Status,
    DateTimeOffset UpdatedAt)
{
    public static RefundResponse From(PaymentRefund r) =>
        new(r.OutRefundNo, r.OutTradeNo, r.Provider, r.AmountFen, Money.Format(r.AmountFen), r.Status, r.UpdatedAt);
}

/// <summary>
/// Refunds of top-ups the user asks for: the amount is held out of the wallet at once (so it cannot be spent while
/// the provider works), then the provider is asked; its answer, now or by notification, completes or releases the hold.
/// </summary>
public static class TopUpRefundsApi
{
    public const int MaxReasonLength = 80;

    public static IEndpointRouteBuilder MapTopUpRefundsApi(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/api/billing/topups/{outTradeNo}/refunds").WithTags("Billing").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        refunds.MapPost("/", RequestAsync)
            .WithName("RefundTopUp")
            .WithSummary("Send part of a top-up back to the payer")
            .WithDescription("Within what is left of the order (after refunds done and in flight) and of the wallet. The amount leaves the wallet at once; if the provider refuses, it comes back.")
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);

        refunds.MapGet("/", ListAsync)
            .WithName("ListTopUpRefunds")
            .WithSummary("The refunds of a top-up");
        return app;
    }

    private static async Task<Results<Accepted<RefundResponse>, ValidationProblem, ProblemHttpResult>> RequestAsync(string outTradeNo,
        RefundRequestBody body, HttpContext context, BioDbContext db, PaymentSettlement settlement, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!PaymentOrderRules.IsValidOutTradeNo(outTradeNo))
        {
            errors["outTradeNo"] = ["6–32 characters of A–Z, a–z, 0–9, _ and -."];
        }
        if (body.AmountFen is not > 0)
        {
            errors["amountFen"] = ["A positive number of fen."];
        }
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > MaxReasonLength)
        {
            errors["reason"] = [$"Required, at most {MaxReasonLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // Row-level security already hides others' orders; the owner check says so where it matters.
        var owner = context.User.RequiredUserId();
        if (!await db.PaymentOrders.AnyAsync(o => o.OutTradeNo == outTradeNo && o.UserId == owner, cancellationToken))
        {
            return Problems.NotFound("Top-up");
        }
        (RefundHoldOutcome Outcome, PaymentRefund? Refund, long RefundableFen) hold;
        try
        {
            hold = await settlement.HoldRefundAsync(outTradeNo, body.AmountFen!.Value, body.Reason!, cancellationToken);
        }
        catch (InsufficientFundsException e)
        {
            return Problems.Of(StatusCodes.Status402PaymentRequired, "Not enough in the wallet",
                $"Only money still in the wallet can go back: it holds {Money.Format(e.AvailableFen)}, the refund asks {Money.Format(e.RequiredFen)}.");
        }
        switch (hold.Outcome)
        {
            case RefundHoldOutcome.UnknownOrder:
                return Problems.NotFound("Top-up");
            case RefundHoldOutcome.NotPaid:
                return Problems.Of(StatusCodes.Status409Conflict, "Top-up not paid", "Only a paid top-up can be refunded.");
            case RefundHoldOutcome.TooLarge:
                return Problems.Of(StatusCodes.Status409Conflict, "Refund too large",
                    $"At most {Money.Format(hold.RefundableFen)} of this top-up can still be refunded.");
        }

        var refund = hold.Refund!;
        if (PaymentProviders.Find(context.RequestServices, refund.Provider) is not { } provider)
        {
            await settlement.SettleRefundAsync(refund.Provider, outTradeNo, refund.OutRefundNo, RefundState.Failed, refund.AmountFen, null, cancellationToken);
            return Problems.Of(StatusCodes.Status502BadGateway, "Payment provider not available",
                $"{refund.Provider} is no longer configured here; the amount is back in the wallet.");
        }
        var order = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.OutTradeNo == outTradeNo, cancellationToken);
        var request = new RefundRequest(outTradeNo, refund.OutRefundNo, refund.AmountFen, order.AmountFen, body.Reason!);
        try
        {
            // The refund number makes asking twice safe: one retry covers a lost answer.
            var status = await RetryOnceAsync(() => provider.RefundAsync(request, cancellationToken));
            await settlement.SettleRefundAsync(refund.Provider, outTradeNo, refund.OutRefundNo,
                status.State == RefundState.NotFound ? RefundState.Processing : status.State, refund.AmountFen, status.ProviderRefundNo, cancellationToken);
        }
        catch (PaymentProviderException e) when (e.Code is not null)
        {
            // A definite no (e.g. the provider's balance, an order too old): the hold goes back to the wallet.
            await settlement.SettleRefundAsync(refund.Provider, outTradeNo, refund.OutRefundNo, RefundState.Failed, refund.AmountFen, null, cancellationToken);
            return Problems.Of(StatusCodes.Status502BadGateway, "Refund refused by the provider",
                $"{refund.Provider} refused the refund ({e.Code}); the amount is back in the wallet.");
        }
        catch (PaymentProviderException e)
        {
            // No answer: the provider may have it. The money stays held; its notification settles it either way.
            loggers.CreateLogger(typeof(TopUpRefundsApi)).LogWarning(e, "Refund {OutRefundNo} got no answer from {Provider}", refund.OutRefundNo, refund.Provider);
        }
        var saved = await db.PaymentRefunds.AsNoTracking().SingleAsync(r => r.OutRefundNo == refund.OutRefundNo, cancellationToken);
        return TypedResults.Accepted($"/api/billing/topups/{outTradeNo}/refunds", RefundResponse.From(saved));
    }

    private static async Task<T> RetryOnceAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PaymentProviderException e) when (e.Code is null)
        {
            return await call();
        }
    }

    private static async Task<Results<Ok<List<RefundResponse>>, ValidationProblem, ProblemHttpResult>> ListAsync(string outTradeNo,
        HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        if (!PaymentOrderRules.IsValidOutTradeNo(outTradeNo))
        {
            return Problems.Invalid("outTradeNo", "6–32 characters of A–Z, a–z, 0–9, _ and -.");
        }
        var owner = context.User.RequiredUserId();
        if (!await db.PaymentOrders.AnyAsync(o => o.OutTradeNo == outTradeNo && o.UserId == owner, cancellationToken))
        {
            return Problems.NotFound("Top-up");
        }
        var refunds = await db.PaymentRefunds.AsNoTracking().Where(r => r.OutTradeNo == outTradeNo).OrderBy(r => r.UpdatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(refunds.Select(RefundResponse.From).ToList());
    }
}
