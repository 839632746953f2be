using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Billing;

/// <summary>A task template: a kind of run with its billing mode and, when outcome-priced, its fee.</summary>
public sealed record TaskTemplateResponse(string Code, string Name, string Description, string BillingMode, long PriceFen, string Price,
    long? DefaultMaxTokens);

/// <summary>What to price: a template, a budget, or a token-priced template with a budget.</summary>
public sealed record QuoteRequest(string? Template, RunBudgetRequest? Budget);

/// <summary>
/// A price before a run: <c>AmountFen</c> is what the wallet may be charged (an outcome template's fee, or the budget's
/// price beyond what the plan still includes this period); <c>ListFen</c> is the budget at list price, which the
/// plan's max run budget limits.
/// </summary>
public sealed record QuoteResponse(long AmountFen, string Amount, long ListFen, string ListAmount, string Basis, string BillingMode, string? Template,
    string? RateCard, int? RateCardVersion, long? MaxTokens, int? MaxSeconds, DateTimeOffset ExpiresAt)
{
    public static QuoteResponse From(Quote q, DateTimeOffset expiresAt) => new(q.AmountFen, Money.Format(q.AmountFen), q.ListFen, Money.Format(q.ListFen),
        q.Basis, q.BillingMode, q.TemplateCode, q.RateCard, q.RateCardVersion, q.MaxTokens, q.MaxSeconds, expiresAt);
}

/// <summary>The caller's billing settings: the auto-authorisation limit, what of it running runs hold, and the bounds.</summary>
public sealed record BillingSettingsResponse(long AutoAuthoriseLimitFen, string AutoAuthoriseLimit, long HeldFen, long RemainingFen, long MaxFen,
    int OutcomeRejectWindowHours);

/// <summary>A new auto-authorisation limit, in fen (0 makes every paid run ask for confirmation).</summary>
public sealed record BillingSettingsRequest(long? AutoAuthoriseLimitFen);

/// <summary>Why the outcome is rejected.</summary>
public sealed record OutcomeRejectRequest(string? Reason);

/// <summary>An outcome-priced run's fee and where it stands.</summary>
public sealed record OutcomeResponse(Guid RunId, string? Template, string Status, long FeeFen, string Fee, DateTimeOffset? AcceptBy,
    DateTimeOffset? DecidedAt, string? RejectReason);

/// <summary>Task templates, quotes, auto-authorisation settings, quote confirmation and outcome decisions.</summary>
public static class RunBillingApi
{
    public const int MaxReasonLength = 1000;

    public static IHostApplicationBuilder AddRunBilling(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RunBillingOptions>(RunBillingOptions.Section);
        builder.Services.AddScoped<RunAuthoriser>();
        builder.Services.AddScoped<RunAdmission>();
        builder.Services.AddScoped<OutcomeCharges>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRunBillingApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/billing/templates", ListTemplatesAsync)
            .WithTags("Billing").WithName("ListTaskTemplates")
            .WithSummary("Task templates and how runs of them are billed")
            .WithDescription("Name one as `template` in a project run. Outcome-priced templates charge their fixed fee only when the run succeeds.")
            .AllowAnonymous();

        var billing = app.MapGroup("/api/billing").WithTags("Billing").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        billing.MapPost("/quote", QuoteAsync)
            .WithName("QuoteRun")
            .WithSummary("What a run would cost: by template or by budget")
            .WithDescription("An outcome-priced template quotes its fixed fee. A budget (maxTokens, and maxSeconds of sandbox time) is priced with the rate card in effect, every token at the dearer of the input and output prices (cached input aside), sandbox time by the minute; amountFen leaves out what the plan still includes this period. Without maxTokens, the plan's max run budget is the budget.")
            .ProducesValidationProblem();
        billing.MapGet("/settings", GetSettingsAsync)
            .WithName("GetBillingSettings")
            .WithSummary("The caller's auto-authorisation limit and what of it is held");
        billing.MapPut("/settings", PutSettingsAsync)
            .WithName("PutBillingSettings")
            .WithSummary("Set the auto-authorisation limit (0 … maxFen)")
            .ProducesValidationProblem();
        billing.MapPost("/quotes/{id:guid}/confirm", ConfirmAsync)
            .WithName("ConfirmQuote")
            .WithSummary("Confirm a run held for confirmation: it is created and queued")
            .WithDescription("Before the quote expires; confirming again answers with the same run. The plan's limits and the wallet are checked again.")
            .RequireAuthorization(Policies.RunsWrite)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        var outcome = app.MapGroup("/api/runs/{id:guid}/outcome").WithTags("Runs").RequireAuthorization(Policies.RunsWrite)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        outcome.MapGet("/", GetOutcomeAsync).WithName("GetRunOutcome").WithSummary("An outcome-priced run's fee and where it stands")
            .RequireAuthorization(Policies.RunsRead);
        outcome.MapPost("/accept", AcceptAsync).WithName("AcceptRunOutcome").WithSummary("Accept the outcome: the fee stays charged");
        outcome.MapPost("/reject", RejectAsync).WithName("RejectRunOutcome")
            .WithSummary("Reject the outcome within the window: the fee is refunded to the wallet, once")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Ok<List<TaskTemplateResponse>>> ListTemplatesAsync(BioDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.TaskTemplates.AsNoTracking().OrderBy(t => t.Rank).ThenBy(t => t.Code).ToListAsync(cancellationToken))
            .Select(t => new TaskTemplateResponse(t.Code, t.Name, t.Description, t.BillingMode, t.PriceFen, Money.Format(t.PriceFen), t.DefaultMaxTokens))
            .ToList());

    private static async Task<Results<Ok<QuoteResponse>, ValidationProblem>> QuoteAsync(QuoteRequest request, HttpContext context,
        RunAuthoriser authoriser, IOptions<RunBillingOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = BudgetErrors(request.Budget);
        if (request.Template is null && request.Budget is null)
        {
            errors["template"] = ["Name a template (GET /api/billing/templates) or give a budget."];
        }
        TaskTemplate? template = null;
        if (request.Template is not null && (template = await authoriser.TemplateAsync(request.Template, cancellationToken)) is null)
        {
            errors["template"] = [$"'{request.Template}' is not a template; see GET /api/billing/templates."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var userId = context.User.RequiredUserId();
        var plan = await authoriser.PlanAsync(userId, cancellationToken);
        var quote = await authoriser.QuoteAsync(userId, plan, template, request.Budget?.MaxTokens, request.Budget?.MaxSeconds, cancellationToken);
        return TypedResults.Ok(QuoteResponse.From(quote, time.GetUtcNow() + options.Value.QuoteLifetime));
    }

    /// <summary>The budget's fields out of range, by name (the same bounds as a run's budget).</summary>
    public static Dictionary<string, string[]> BudgetErrors(RunBudgetRequest? budget)
    {
        var errors = new Dictionary<string, string[]>();
        if (budget is null)
        {
            return errors;
        }
        if (budget.MaxTokens is < 1 or > RunSettings.MaxTokenBudget)
        {
            errors["budget.maxTokens"] = [$"Between 1 and {RunSettings.MaxTokenBudget}."];
        }
        if (budget.MaxSeconds is < 1 or > RunSettings.MaxSecondsBudget)
        {
            errors["budget.maxSeconds"] = [$"Between 1 and {RunSettings.MaxSecondsBudget}."];
        }
        return errors;
    }

    private static async Task<BillingSettingsResponse> SettingsAsync(Guid userId, RunAuthoriser authoriser, RunBillingOptions options,
        CancellationToken cancellationToken)
    {
        var plan = await authoriser.PlanAsync(userId, cancellationToken);
        var auto = await authoriser.AutoAuthorisationAsync(userId, plan, cancellationToken);
        return new BillingSettingsResponse(auto.LimitFen, Money.Format(auto.LimitFen), auto.HeldFen, auto.RemainingFen, auto.MaxFen,
            options.OutcomeRejectWindowHours);
    }

    private static async Task<Ok<BillingSettingsResponse>> GetSettingsAsync(HttpContext context, RunAuthoriser authoriser,
        IOptions<RunBillingOptions> options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await SettingsAsync(context.User.RequiredUserId(), authoriser, options.Value, cancellationToken));

    private static async Task<Results<Ok<BillingSettingsResponse>, ValidationProblem>> PutSettingsAsync(BillingSettingsRequest request,
        HttpContext context, BioDbContext db, RunAuthoriser authoriser, IOptions<RunBillingOptions> options, CancellationToken cancellationToken)
    {
        var userId = context.User.RequiredUserId();
        var max = authoriser.MaxLimitFen(await authoriser.PlanAsync(userId, cancellationToken));
        if (request.AutoAuthoriseLimitFen is not { } limit || limit < 0 || limit > max)
        {
            return Problems.Invalid("autoAuthoriseLimitFen", $"Between 0 and {max} fen ({Money.Format(max)}: your plan's max run budget, or the default if higher).");
        }
        var now = DateTimeOffset.UtcNow;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO billing_settings (user_id, auto_authorise_limit_fen, updated_at) VALUES ({userId}, {limit}, {now})
            ON CONFLICT (user_id) DO UPDATE SET auto_authorise_limit_fen = excluded.auto_authorise_limit_fen, updated_at = excluded.updated_at
            """, cancellationToken);
        return TypedResults.Ok(await SettingsAsync(userId, authoriser, options.Value, cancellationToken));
    }

    private static Task<Results<Accepted<RunResponse>, ProblemHttpResult>> ConfirmAsync(Guid id, HttpContext context, RunAdmission admission,
        CancellationToken cancellationToken) =>
        admission.ConfirmAsync(context.User.RequiredUserId(), id, cancellationToken);

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult>> GetOutcomeAsync(Guid id, BioDbContext db, CancellationToken cancellationToken) =>
        await OutcomeAsync(id, db, cancellationToken) is { } outcome
            ? TypedResults.Ok(outcome)
            : Problems.Of(StatusCodes.Status404NotFound, "Outcome not found", $"Run '{id}' is not an outcome-priced run of yours that has been charged.");

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult>> AcceptAsync(Guid id, BioDbContext db, OutcomeCharges outcomes,
        CancellationToken cancellationToken) =>
        await DecidedAsync(id, await outcomes.AcceptAsync(id, cancellationToken), db, cancellationToken);

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult, ValidationProblem>> RejectAsync(Guid id, OutcomeRejectRequest request,
        BioDbContext db, OutcomeCharges outcomes, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > MaxReasonLength)
        {
            return Problems.Invalid("reason", $"Say why, in 1–{MaxReasonLength} characters.");
        }
        return await DecidedAsync(id, await outcomes.RejectAsync(id, request.Reason.Trim(), cancellationToken), db, cancellationToken) switch
        {
            { Result: Ok<OutcomeResponse> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other.Result}."),
        };
    }

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult>> DecidedAsync(Guid id, OutcomeDecision decision, BioDbContext db,
        CancellationToken cancellationToken) => decision switch
    {
        OutcomeDecision.NotFound => Problems.Of(StatusCodes.Status404NotFound, "Run not found", $"You have no project run with id '{id}'."),
        OutcomeDecision.NotCharged => Problems.Of(StatusCodes.Status409Conflict, "No outcome to decide",
            "Only a succeeded outcome-priced run has an outcome to accept or reject; failed and cancelled ones cost nothing."),
        OutcomeDecision.Closed => Problems.Of(StatusCodes.Status409Conflict, "The outcome is decided",
            "It was accepted (by you, or automatically when the reject window ended), or rejected; it can no longer change."),
        _ => TypedResults.Ok((await OutcomeAsync(id, db, cancellationToken))!),
    };

    private static async Task<OutcomeResponse?> OutcomeAsync(Guid id, BioDbContext db, CancellationToken cancellationToken) =>
        await db.RunCharges.AsNoTracking().Where(c => c.RunId == id && c.OutcomeStatus != null)
            .Select(c => new OutcomeResponse(c.RunId, c.TemplateCode, c.OutcomeStatus!, c.OutcomeFeeFen ?? 0, "", c.OutcomeAcceptBy, c.OutcomeDecidedAt,
                c.OutcomeRejectReason))
            .FirstOrDefaultAsync(cancellationToken) is { } found
            ? found with { Fee = Money.Format(found.FeeFen) }
            : null;
}
