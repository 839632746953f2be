using System.Text.RegularExpressions;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BioAiSaaS.Api.Billing;

/// <summary>The plan to move to: free, pro, team or enterprise.</summary>
/// <param name="Plan">A plan code from GET /api/billing/plans.</param>
public sealed record SubscriptionChangeRequest(string? Plan);

/// <summary>The caller's subscription.</summary>
/// <param name="Plan">The plan in effect.</param>
/// <param name="Status">active.</param>
/// <param name="CurrentPeriodStart">The start of the current monthly period.</param>
/// <param name="CurrentPeriodEnd">Its end: scheduled changes take effect then.</param>
/// <param name="CancelAtPeriodEnd">Back to Free at the period's end.</param>
/// <param name="ScheduledPlan">The plan a downgrade moves to at the period's end.</param>
public sealed record SubscriptionResponse(string Plan, string Status, DateTimeOffset CurrentPeriodStart, DateTimeOffset CurrentPeriodEnd,
    bool CancelAtPeriodEnd, string? ScheduledPlan)
{
    public static SubscriptionResponse From(Subscription s) =>
        new(s.PlanCode, s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.ScheduledPlanCode);
}

/// <summary>The outcome of a change: the subscription, and what was charged now (an upgrade's prorated difference).</summary>
/// <param name="Subscription">The subscription after the change.</param>
/// <param name="ChargedFen">Debited from the wallet now, in fen.</param>
/// <param name="Charged">The same, formatted in yuan.</param>
public sealed record SubscriptionChangeResponse(SubscriptionResponse Subscription, long ChargedFen, string Charged);

public static partial class SubscriptionApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapSubscriptionApi(this IEndpointRouteBuilder app)
    {
        var subscription = app.MapGroup("/api/billing/subscription").WithTags("Billing").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        subscription.MapGet("/", GetAsync)
            .WithName("GetSubscription")
            .WithSummary("The caller's plan and period (Free until chosen otherwise)");

        subscription.MapPost("/", ChangeAsync)
            .WithName("ChangeSubscription")
            .WithSummary("Upgrade now, or downgrade at the period's end")
            .WithDescription("An upgrade takes effect at once and debits the wallet by the price difference for the rest of the period: round((new − old monthly price) × seconds left ÷ seconds in the period), half-up, in fen. 402 when the wallet cannot cover it (nothing changes). A cheaper plan is scheduled for the period's end; asking for the current plan withdraws a scheduled change. An Idempotency-Key header makes a retried upgrade charge once.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status402PaymentRequired);

        subscription.MapPost("/cancel", CancelAsync)
            .WithName("CancelSubscription")
            .WithSummary("Back to Free at the period's end");
        return app;
    }

    private static async Task<Ok<SubscriptionResponse>> GetAsync(HttpContext context, SubscriptionService subscriptions, CancellationToken cancellationToken) =>
        TypedResults.Ok(SubscriptionResponse.From(await subscriptions.GetAsync(context.User.RequiredUserId(), cancellationToken)));

    private static async Task<Ok<SubscriptionResponse>> CancelAsync(HttpContext context, SubscriptionService subscriptions, CancellationToken cancellationToken) =>
        TypedResults.Ok(SubscriptionResponse.From(await subscriptions.CancelAsync(context.User.RequiredUserId(), cancellationToken)));

    private static async Task<Results<Ok<SubscriptionChangeResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        SubscriptionChangeRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, HttpContext context,
        SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Plan))
        {
            return Problems.Invalid("plan", "A plan code from GET /api/billing/plans.");
        }
        if (idempotencyKey is not null && !IdempotencyKeyPattern().IsMatch(idempotencyKey))
        {
            return Problems.Invalid(IdempotencyKeyHeader, "1–100 characters of A–Z, a–z, 0–9, '-', '_', '.' and ':'.");
        }
        var change = await subscriptions.ChangePlanAsync(context.User.RequiredUserId(), request.Plan, idempotencyKey, cancellationToken);
        return change switch
        {
            PlanChange.Upgraded u => Changed(u.Subscription, u.ChargedFen),
            PlanChange.Scheduled s => Changed(s.Subscription, 0),
            PlanChange.Replayed r => Changed(r.Subscription, 0),
            PlanChange.UnknownPlan => Problems.Invalid("plan", $"'{request.Plan}' is not a plan; see GET /api/billing/plans."),
            PlanChange.InsufficientFunds f => Problems.Of(StatusCodes.Status402PaymentRequired, "Insufficient funds",
                $"The upgrade costs {Money.Format(f.RequiredFen)} for the rest of this period; the wallet can cover {Money.Format(f.AvailableFen)}. " +
                $"Top up at least {Money.Format(f.RequiredFen - f.AvailableFen)} with POST /api/billing/topups, then try again."),
            _ => throw new InvalidOperationException($"Unexpected change {change}."),
        };
    }

    private static Ok<SubscriptionChangeResponse> Changed(Subscription subscription, long chargedFen) =>
        TypedResults.Ok(new SubscriptionChangeResponse(SubscriptionResponse.From(subscription), chargedFen, Money.Format(chargedFen)));

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex IdempotencyKeyPattern();
}
