using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Billing;

public sealed record PlanResponse(string Code, string Name, long MonthlyPriceFen, string MonthlyPrice, long IncludedTokens, int IncludedSandboxMinutes,
    int ConcurrentRunLimit, long MaxRunBudgetFen, long CreditLimitFen, string OverageRateCard)
{
    public static PlanResponse From(Plan p) => new(p.Code, p.Name, p.MonthlyPriceFen, Money.Format(p.MonthlyPriceFen), p.IncludedTokens,
        p.IncludedSandboxMinutes, p.ConcurrentRunLimit, p.MaxRunBudgetFen, p.CreditLimitFen, p.OverageRateCard);
}

public sealed record RateCardPriceResponse(string Model, long InputFenPerMillion, long CachedInputFenPerMillion, long OutputFenPerMillion,
    long SandboxFenPerMinute);

public sealed record RateCardResponse(string Name, int Version, DateTimeOffset EffectiveFrom, List<RateCardPriceResponse> Prices);

/// <summary>What the service costs: public, so a price list can be read before signing up.</summary>
public static class PlansApi
{
    public static IEndpointRouteBuilder MapPlansApi(this IEndpointRouteBuilder app)
    {
        var billing = app.MapGroup("/api/billing").WithTags("Billing").AllowAnonymous();
        billing.MapGet("/plans", ListAsync)
            .WithName("ListPlans")
            .WithSummary("The plans, cheapest first")
            .WithDescription("Prices are integer fen (CNY) per month, with a formatted yuan string beside each.");
        billing.MapGet("/rate-cards/{name}", GetRateCardAsync)
            .WithName("GetRateCard")
            .WithSummary("The version of a rate card in effect now, with its prices")
            .WithDescription("Token prices are fen per million tokens; sandbox time fen per minute. Model \"*\" prices every model not listed.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<List<PlanResponse>>> ListAsync(BioDbContext db, CancellationToken cancellationToken)
    {
        var plans = await db.Plans.AsNoTracking().OrderBy(p => p.Rank).ToListAsync(cancellationToken);
        return TypedResults.Ok(plans.Select(PlanResponse.From).ToList());
    }

    private static async Task<Results<Ok<RateCardResponse>, ProblemHttpResult>> GetRateCardAsync(string name, RateCardCatalog catalog,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (name.Length > 64 || await catalog.CurrentAsync(name, time.GetUtcNow(), cancellationToken) is not { } card)
        {
            return Problems.NotFound("Rate card");
        }
        return TypedResults.Ok(new RateCardResponse(card.Name, card.Version, card.EffectiveFrom, card.Prices.Select(p =>
            new RateCardPriceResponse(p.Model, p.InputFenPerMillion, p.CachedInputFenPerMillion, p.OutputFenPerMillion, p.SandboxFenPerMinute)).ToList()));
    }
}
