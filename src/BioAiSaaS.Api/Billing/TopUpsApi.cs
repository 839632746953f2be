using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Billing;

/// <summary>A top-up: <paramref name="Provider"/> is wechatpay or alipay; <paramref name="AmountFen"/> 100 to 5,000,000 fen.</summary>
/// <param name="Provider">wechatpay (a QR code) or alipay (a QR code, or a signed page redirect with <paramref name="PageRedirect"/>).</param>
/// <param name="AmountFen">The amount in fen (¥1.00 to ¥50,000.00).</param>
/// <param name="PageRedirect">Alipay only: answer with a page-pay redirect URL instead of a QR code.</param>
public sealed record TopUpRequest(string? Provider, long? AmountFen, bool? PageRedirect = null);

/// <summary>A top-up order: pay it by rendering <paramref name="QrCodeUrl"/> as a QR code, or by opening <paramref name="RedirectUrl"/>.</summary>
/// <param name="OutTradeNo">Our order number, for GET /api/billing/topups/{outTradeNo}.</param>
/// <param name="Provider">The payment provider.</param>
/// <param name="AmountFen">The amount in fen.</param>
/// <param name="Amount">The amount, formatted in yuan.</param>
/// <param name="Status">pending, paid, closed or refunded.</param>
/// <param name="QrCodeUrl">The content of the QR code to show (WeChat code_url, Alipay qr_code).</param>
/// <param name="RedirectUrl">The signed Alipay page-pay URL, when asked for.</param>
/// <param name="ExpiresAt">After this the order can no longer be paid.</param>
/// <param name="PaidAt">When the payment arrived.</param>
/// <param name="RefundedFen">How much of it the provider has refunded.</param>
public sealed record TopUpResponse(string OutTradeNo, string Provider, long AmountFen, string Amount, string Status, string? QrCodeUrl,
    string? RedirectUrl, DateTimeOffset ExpiresAt, DateTimeOffset? PaidAt, long RefundedFen)
{
    public static TopUpResponse From(PaymentOrder o) => new(o.OutTradeNo, o.Provider, o.AmountFen, Money.Format(o.AmountFen), o.Status,
        o.QrCodeUrl, o.RedirectUrl, o.ExpiresAt, o.PaidAt, o.RefundedFen);
}

public static class TopUpsApi
{
    public static IEndpointRouteBuilder MapTopUpsApi(this IEndpointRouteBuilder app)
    {
        var topUps = app.MapGroup("/api/billing/topups").WithTags("Billing").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        topUps.MapPost("/", CreateAsync)
            .WithName("CreateTopUp")
            .WithSummary("Top up the wallet by WeChat Pay or Alipay")
            .WithDescription("Creates a payment order with the provider and answers what to show the payer. The wallet is credited once the provider confirms the payment (its notification, or the reconciliation job that queries unconfirmed orders); poll GET /api/billing/topups/{outTradeNo}.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);

        topUps.MapGet("/{outTradeNo}", GetAsync)
            .WithName("GetTopUp")
            .WithSummary("A top-up order and its status")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<TopUpResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(TopUpRequest request,
        HttpContext context, BioDbContext db, IOptions<TopUpOptions> options, TimeProvider time, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Provider is null || !PaymentProviders.Known.Contains(request.Provider))
        {
            errors["provider"] = [$"One of: {string.Join(", ", PaymentProviders.Known)}."];
        }
        if (request.AmountFen is not (>= TopUpOptions.MinAmountFen and <= TopUpOptions.MaxAmountFen))
        {
            errors["amountFen"] = [$"Whole fen from {TopUpOptions.MinAmountFen} ({Money.Format(TopUpOptions.MinAmountFen)}) to {TopUpOptions.MaxAmountFen} ({Money.Format(TopUpOptions.MaxAmountFen)})."];
        }
        if (request.PageRedirect == true && request.Provider == PaymentProviders.WeChatPay)
        {
            errors["pageRedirect"] = ["Only Alipay pays by page redirect; WeChat Pay answers with a QR code."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (PaymentProviders.Find(context.RequestServices, request.Provider!) is not { } provider)
        {
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Payment provider not available",
                $"{request.Provider} is not configured on this deployment (Payments:{(request.Provider == PaymentProviders.WeChatPay ? "WeChatPay" : "Alipay")}). Choose another provider.");
        }

        var now = DatabaseTime.UtcNow();
        // Whole seconds: the providers take expiry times to the second.
        var expires = now + options.Value.OrderLifetime;
        expires = expires.AddTicks(-(expires.Ticks % TimeSpan.TicksPerSecond));
        var order = new PaymentOrder
        {
            OutTradeNo = PaymentOrderRules.NewTopUpNumber(), UserId = context.User.RequiredUserId(), Provider = provider.Name,
            AmountFen = request.AmountFen!.Value, Purpose = PaymentPurposes.TopUp, Status = PaymentOrderStatuses.Pending,
            CreatedAt = now, ExpiresAt = expires,
        };
        // Saved before the provider hears of it, so a payment can never arrive for an order we do not know.
        db.PaymentOrders.Add(order);
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            var created = await provider.CreateOrderAsync(new OrderRequest(order.OutTradeNo, order.AmountFen,
                $"BioAiSaaS wallet top-up {Money.Format(order.AmountFen)}", order.ExpiresAt, request.PageRedirect == true), cancellationToken);
            order.QrCodeUrl = created.QrCodeUrl;
            order.RedirectUrl = created.RedirectUrl;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (PaymentProviderException e)
        {
            loggers.CreateLogger(typeof(TopUpsApi)).LogWarning("Creating {Provider} order {OutTradeNo} failed: {Code}", e.Provider, order.OutTradeNo, e.Code);
            // Left pending, the reconciliation job finds out whether the provider has it after all, and closes it.
            return Problems.Of(StatusCodes.Status502BadGateway, "Payment provider unavailable",
                $"{provider.Name} did not create the order ({e.Code ?? "no answer"}). Try again, or choose another provider.");
        }
        return TypedResults.Created($"/api/billing/topups/{order.OutTradeNo}", TopUpResponse.From(order));
    }

    private static async Task<Results<Ok<TopUpResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(string outTradeNo, HttpContext context,
        BioDbContext db, CancellationToken cancellationToken)
    {
        if (!PaymentOrderRules.IsValidOutTradeNo(outTradeNo))
        {
            return Problems.Invalid("outTradeNo", "6–32 characters of A–Z, a–z, 0–9, _ and -.");
        }
        var owner = context.User.RequiredUserId();
        var order = await db.PaymentOrders.AsNoTracking().FirstOrDefaultAsync(o => o.OutTradeNo == outTradeNo && o.UserId == owner, cancellationToken);
        return order is null ? Problems.NotFound("Top-up") : TypedResults.Ok(TopUpResponse.From(order));
    }
}
