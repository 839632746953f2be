using System.Text.Json;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Billing;

/// <summary>
/// The billing gate every project run passes before it is stored: plan limits, wallet and auto-authorisation
/// (<see cref="RunAuthoriser.DecideAsync"/>), under the user's lock. A refused run stores nothing; a run above the
/// auto-authorisation limit is kept as a quote to confirm; an authorised run is stored with its charge record and queued.
/// </summary>
public sealed class RunAdmission(BioDbContext db, RunAuthoriser authoriser, RunDispatcher dispatcher, IOptions<RunBillingOptions> options,
    TimeProvider time)
{
    public const string ProblemTypeBase = "https://bioaisaas.dev/problems/";
    public const string ConfirmationRequiredType = ProblemTypeBase + "confirmation-required";
    public const string ConcurrentRunLimitType = ProblemTypeBase + "concurrent-run-limit";
    public const string MaxRunBudgetType = ProblemTypeBase + "max-run-budget";
    public const string InsufficientFundsType = ProblemTypeBase + "insufficient-funds";

    private abstract record Admitted
    {
        public sealed record Run(Core.Runs.Run Value, bool New) : Admitted;
        public sealed record Held(RunQuote Quote, RunDecision.ConfirmationRequired Decision) : Admitted;
        public sealed record Refused(RunDecision Decision) : Admitted;
        public sealed record QuoteGone(string Why) : Admitted;
    }

    /// <summary>Admits a newly submitted run.</summary>
    public Task<Results<Accepted<RunResponse>, ProblemHttpResult>> SubmitAsync(Guid userId, Guid projectId, PreparedRun prepared, Quote quote,
        Plan plan, CancellationToken cancellationToken) =>
        AdmitAsync(userId, projectId, prepared, quote, plan, null, cancellationToken);

    /// <summary>
    /// Confirms a held quote: before it expires, once (confirming again answers with the run the first confirmation
    /// created). The plan limits and the wallet are checked again, now; the auto-authorisation is what confirming lifts.
    /// </summary>
    public async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> ConfirmAsync(Guid userId, Guid quoteId, CancellationToken cancellationToken)
    {
        var quote = await db.RunQuotes.AsNoTracking().FirstOrDefaultAsync(q => q.Id == quoteId && q.UserId == userId, cancellationToken);
        if (quote is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Quote not found", $"You have no quote with id '{quoteId}'.");
        }
        var plan = await authoriser.PlanAsync(userId, cancellationToken);
        var prepared = JsonSerializer.Deserialize<PreparedRun>(quote.Run, JsonSerializerOptions.Web)!;
        var settings = prepared.Settings is null ? new RunSettings() : JsonSerializer.Deserialize<RunSettings>(prepared.Settings, JsonSerializerOptions.Web)!;
        var priced = new Quote(quote.AmountFen, quote.ListFen, quote.Basis, quote.BillingMode, quote.TemplateCode, quote.RateCard, quote.RateCardVersion,
            settings.MaxTokens, settings.MaxSeconds);
        return await AdmitAsync(userId, quote.ProjectId, prepared, priced, plan, quoteId, cancellationToken);
    }

    private async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> AdmitAsync(Guid userId, Guid projectId, PreparedRun prepared, Quote quote,
        Plan plan, Guid? confirming, CancellationToken cancellationToken)
    {
        var admitted = await authoriser.LockedAsync<Admitted>(userId, async () =>
        {
            RunQuote? held = null;
            if (confirming is { } quoteId)
            {
                held = (await db.RunQuotes.FromSql($"SELECT * FROM run_quotes WHERE id = {quoteId} FOR UPDATE").ToListAsync(cancellationToken)).Single();
                if (held.Status == QuoteStatuses.Confirmed)
                {
                    return new Admitted.Run(await db.Runs.AsNoTracking().SingleAsync(r => r.Id == held.RunId, cancellationToken), false);
                }
                if (time.GetUtcNow() >= held.ExpiresAt)
                {
                    return new Admitted.QuoteGone($"The quote expired at {held.ExpiresAt:u}; submit the run again for a new quote.");
                }
            }
            var decision = await authoriser.DecideAsync(userId, plan, quote, confirming is not null, cancellationToken);
            switch (decision)
            {
                case RunDecision.Authorised authorised:
                    var run = new Run
                    {
                        Id = Guid.CreateVersion7(), OwnerId = userId, Kind = prepared.Kind, ProjectId = projectId, Task = prepared.Task,
                        Workflow = prepared.Workflow, Settings = prepared.Settings, Status = RunStatus.Queued, CreatedAt = DateTimeOffset.UtcNow,
                        BillingMode = quote.BillingMode,
                    };
                    db.Runs.Add(run);
                    db.RunCharges.Add(authoriser.ChargeFor(run, quote, authorised.Authorisation, confirming));
                    if (held is not null)
                    {
                        held.Status = QuoteStatuses.Confirmed;
                        held.RunId = run.Id;
                    }
                    // Committed before it is queued: once we answer 202 the run exists, whatever happens to Redis.
                    await db.SaveChangesAsync(cancellationToken);
                    return new Admitted.Run(run, true);
                case RunDecision.ConfirmationRequired required:
                    var now = time.GetUtcNow();
                    var stored = new RunQuote
                    {
                        Id = Guid.CreateVersion7(), UserId = userId, ProjectId = projectId, AmountFen = quote.AmountFen, ListFen = quote.ListFen,
                        Basis = quote.Basis, BillingMode = quote.BillingMode, TemplateCode = quote.TemplateCode, RateCard = quote.RateCard,
                        RateCardVersion = quote.RateCardVersion, Run = JsonSerializer.Serialize(prepared, JsonSerializerOptions.Web),
                        Status = QuoteStatuses.Pending, CreatedAt = now, ExpiresAt = now + options.Value.QuoteLifetime,
                    };
                    db.RunQuotes.Add(stored);
                    await db.SaveChangesAsync(cancellationToken);
                    return new Admitted.Held(stored, required);
                default:
                    return new Admitted.Refused(decision);
            }
        }, a => a is not Admitted.Refused and not Admitted.QuoteGone, cancellationToken);

        switch (admitted)
        {
            case Admitted.Run { Value: var run, New: var isNew }:
                if (isNew)
                {
                    await dispatcher.TryDispatchAsync(new QueuedRun(run.Id, run.OwnerId), CancellationToken.None);
                }
                return TypedResults.Accepted($"/api/runs/{run.Id}", RunResponse.From(run));
            case Admitted.Held held:
                return TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, type: ConfirmationRequiredType,
                    title: "Confirmation required",
                    detail: $"The run is quoted at {Money.Format(held.Quote.AmountFen)}, above what is left of your auto-authorisation limit " +
                        $"({Money.Format(held.Decision.RemainingFen)} of {Money.Format(held.Decision.LimitFen)}). Confirm it with " +
                        $"POST /api/billing/quotes/{held.Quote.Id}/confirm before {held.Quote.ExpiresAt:u}, or raise the limit with PUT /api/billing/settings.",
                    extensions: new Dictionary<string, object?>
                    {
                        ["quoteId"] = held.Quote.Id, ["amountFen"] = held.Quote.AmountFen, ["amount"] = Money.Format(held.Quote.AmountFen),
                        ["expiresAt"] = held.Quote.ExpiresAt, ["confirm"] = $"/api/billing/quotes/{held.Quote.Id}/confirm",
                        ["autoAuthoriseLimitFen"] = held.Decision.LimitFen, ["autoAuthoriseRemainingFen"] = held.Decision.RemainingFen,
                    });
            case Admitted.QuoteGone gone:
                return Problems.Of(StatusCodes.Status409Conflict, "Quote expired", gone.Why);
            case Admitted.Refused { Decision: var decision }:
                return Refusal(decision);
            default:
                throw new InvalidOperationException($"Unexpected admission {admitted}.");
        }
    }

    private static ProblemHttpResult Refusal(RunDecision decision) => decision switch
    {
        RunDecision.ConcurrentLimitReached c => TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ConcurrentRunLimitType,
            title: "Concurrent-run limit reached",
            detail: $"The {c.Plan.Name} plan runs at most {c.Limit} project runs at once, and you have {c.Limit} queued or running. " +
                "Wait for one to finish (or cancel one), or upgrade your plan with POST /api/billing/subscription for a higher limit.",
            extensions: new Dictionary<string, object?> { ["limit"] = "concurrent_run_limit", ["plan"] = c.Plan.Code, ["concurrentRunLimit"] = c.Limit }),
        RunDecision.OverMaxRunBudget b => TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, type: MaxRunBudgetType,
            title: "Over the plan's max run budget",
            detail: $"The run is quoted at {Money.Format(b.ListFen)} at list price; the {b.Plan.Name} plan allows at most " +
                $"{Money.Format(b.Plan.MaxRunBudgetFen)} per run. Lower budget.maxTokens or budget.maxSeconds, or upgrade your plan with " +
                "POST /api/billing/subscription.",
            extensions: new Dictionary<string, object?>
            {
                ["limit"] = "max_run_budget", ["plan"] = b.Plan.Code, ["maxRunBudgetFen"] = b.Plan.MaxRunBudgetFen, ["quoteFen"] = b.ListFen,
            }),
        RunDecision.InsufficientFunds f => TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, type: InsufficientFundsType,
            title: "Insufficient funds",
            detail: $"The run is quoted at {Money.Format(f.AmountFen)}; the wallet can cover {Money.Format(f.AvailableFen)}. " +
                $"Top up at least {Money.Format(f.AmountFen - f.AvailableFen)} with POST /api/billing/topups, then submit again.",
            extensions: new Dictionary<string, object?>
            {
                ["limit"] = "wallet", ["quoteFen"] = f.AmountFen, ["availableFen"] = f.AvailableFen, ["topUpFen"] = f.AmountFen - f.AvailableFen,
            }),
        _ => throw new InvalidOperationException($"Unexpected refusal {decision}."),
    };
}
