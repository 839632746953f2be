using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Task templates, quotes, the plan's limits at submission, and auto-authorisation with confirmation.</summary>
[Collection(StackCollection.Name)]
public sealed class RunQuoteTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Templates_are_data_and_quotes_are_exact_in_fen()
    {
        var templates = await (await stack.AnonymousApi.GetAsync("/api/billing/templates", Ct)).ReadAsync<List<TaskTemplateResponse>>();
        var crispr = Assert.Single(templates, t => t.Code == "crispr-screen-design");
        Assert.Equal((BillingModes.OutcomeBased, 5_000, "¥50.00"), (crispr.BillingMode, crispr.PriceFen, crispr.Price));
        Assert.Contains(templates, t => t.BillingMode == BillingModes.TokenBased);
        var api = (await BillingSteps.NewCustomerAsync(stack, "quote")).Api;

        var byTemplate = await QuoteAsync(api, new { template = "crispr-screen-design" });
        // 100,000 tokens at ¥0.15 per 1,000 = 1,500 fen, plus 120 s of sandbox at 10 fen a minute = 20 fen; all still
        // included in Free's 200,000 tokens and 60 minutes, so nothing is payable.
        var byBudget = await QuoteAsync(api, new { budget = new { maxTokens = 100_000, maxSeconds = 120 } });
        // 250,000 tokens: 3,750 fen at list, of which the 50,000 beyond the allowance are payable: 750 fen.
        var beyond = await QuoteAsync(api, new { budget = new { maxTokens = 250_000 } });

        Assert.Equal((5_000, "¥50.00", "outcome", BillingModes.OutcomeBased), (byTemplate.AmountFen, byTemplate.Amount, byTemplate.Basis, byTemplate.BillingMode));
        Assert.Equal((0, 1_520, "budget", "standard", 1), (byBudget.AmountFen, byBudget.ListFen, byBudget.Basis, byBudget.RateCard, byBudget.RateCardVersion));
        Assert.Equal((750, "¥7.50", 3_750), (beyond.AmountFen, beyond.Amount, beyond.ListFen));
        Assert.True(byBudget.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(10));
    }

    [Theory]
    [InlineData("{}", "template")]
    [InlineData("""{"template": "no-such-template"}""", "template")]
    [InlineData("""{"budget": {"maxTokens": 0}}""", "budget.maxTokens")]
    [InlineData("""{"budget": {"maxTokens": 100, "maxSeconds": -5}}""", "budget.maxSeconds")]
    public async Task A_bad_quote_request_is_a_validation_problem(string body, string field)
    {
        var api = (await BillingSteps.NewCustomerAsync(stack, "quote")).Api;
        var response = await api.PostAsync("/api/billing/quote", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        await response.AssertValidationProblemAsync(field);
        var notJson = await api.PostAsync("/api/billing/quote", new StringContent("{", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task The_auto_authorisation_limit_defaults_to_fifty_yuan_and_is_validated()
    {
        var api = (await BillingSteps.NewCustomerAsync(stack, "settings")).Api;

        var defaults = await api.SettingsAsync();
        Assert.Equal((5_000, "¥50.00", 0, 5_000, 168), (defaults.AutoAuthoriseLimitFen, defaults.AutoAuthoriseLimit, defaults.HeldFen, defaults.RemainingFen,
            defaults.OutcomeRejectWindowHours));
        foreach (var body in new object[] { new { autoAuthoriseLimitFen = -1 }, new { autoAuthoriseLimitFen = defaults.MaxFen + 1 }, new { } })
        {
            await (await api.PutAsJsonAsync("/api/billing/settings", body, Ct)).AssertValidationProblemAsync("autoAuthoriseLimitFen");
        }
        await api.SetLimitAsync(1_234);
        Assert.Equal(1_234, (await api.SettingsAsync()).AutoAuthoriseLimitFen);
        await api.SetLimitAsync(0);
        Assert.Equal(0, (await api.SettingsAsync()).AutoAuthoriseLimitFen);
    }

    [Fact]
    public async Task A_run_within_the_limit_is_authorised_runs_and_gets_the_plans_max_run_budget_as_its_token_budget()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack);

        var response = await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick() });
        var run = await response.ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        var (finished, _) = await customer.Api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        // Free's max run budget, ¥10, is 66,666 tokens at ¥0.15 per 1,000: the worker's budget stops the run there.
        Assert.Equal(66_666, finished.Settings!.MaxTokens);
        var charge = await RunBillingSteps.ChargeAsync(stack, run.Id);
        Assert.Equal((Authorisations.Auto, BillingModes.TokenBased, 0, 1_000, RunQuotes.PlanBudgetBasis),
            (charge!.Authorisation, charge.BillingMode, charge.QuoteFen, charge.ListFen, charge.Basis));
    }

    [Fact]
    public async Task Over_the_limit_the_run_waits_for_confirmation_and_confirming_twice_starts_it_once()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 20_000);
        await customer.Api.SetLimitAsync(1_000);

        var held = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), template = "crispr-screen-design" }))
            .AssertProblemAsync(HttpStatusCode.PaymentRequired);

        Assert.Equal(RunAdmission.ConfirmationRequiredType, held.Type);
        Assert.Equal(0, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
        var quoteId = ((JsonElement)held.Extensions["quoteId"]!).GetGuid();
        Assert.Equal(5_000, ((JsonElement)held.Extensions["amountFen"]!).GetInt64());

        var first = await (await customer.Api.PostAsync($"/api/billing/quotes/{quoteId}/confirm", null, Ct)).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        var again = await (await customer.Api.PostAsync($"/api/billing/quotes/{quoteId}/confirm", null, Ct)).ReadAsync<RunResponse>(HttpStatusCode.Accepted);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(1, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
        var (finished, _) = await customer.Api.WaitForFinishAsync(first.Id);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        var charge = await RunBillingSteps.ChargeAsync(stack, first.Id);
        Assert.Equal((Authorisations.Confirmed, quoteId), (charge!.Authorisation, charge.QuoteId));
    }

    [Fact]
    public async Task A_foreign_unknown_or_expired_quote_cannot_be_confirmed()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 20_000);
        await customer.Api.SetLimitAsync(0);
        var held = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), template = "crispr-screen-design" }))
            .AssertProblemAsync(HttpStatusCode.PaymentRequired);
        var quoteId = ((JsonElement)held.Extensions["quoteId"]!).GetGuid();
        var stranger = (await BillingSteps.NewCustomerAsync(stack, "stranger")).Api;

        await (await stranger.PostAsync($"/api/billing/quotes/{quoteId}/confirm", null, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await customer.Api.PostAsync($"/api/billing/quotes/{Guid.NewGuid()}/confirm", null, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await using (var db = stack.CreateDbContext())
        {
            await db.RunQuotes.Where(q => q.Id == quoteId).ExecuteUpdateAsync(q => q.SetProperty(x => x.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)), Ct);
        }
        await (await customer.Api.PostAsync($"/api/billing/quotes/{quoteId}/confirm", null, Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
    }

    [Fact]
    public async Task Past_the_concurrent_run_limit_a_run_is_refused_with_429_and_nothing_is_stored()
    {
        // Pro runs three at once (the tests raise only Free's limit).
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 20_000);
        var running = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            running.Add((await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Slow() })).ReadAsync<RunResponse>(HttpStatusCode.Accepted)).Id);
        }

        var refused = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick() })).AssertProblemAsync(HttpStatusCode.TooManyRequests);

        Assert.Equal(RunAdmission.ConcurrentRunLimitType, refused.Type);
        Assert.Contains("at most 3", refused.Detail, StringComparison.Ordinal);
        Assert.Contains("upgrade", refused.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
        foreach (var id in running)
        {
            await customer.Api.PostAsync($"/api/runs/{id}/cancel", null, Ct);
        }
        foreach (var id in running)
        {
            Assert.Equal(RunStatus.Cancelled, (await customer.Api.WaitForFinishAsync(id)).Run.Status);
        }
        // A slot is free again.
        await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick() })).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_budget_over_the_plans_max_run_budget_is_refused_with_402_and_nothing_is_stored()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack);

        var refused = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), budget = new { maxTokens = 1_000_000 } }))
            .AssertProblemAsync(HttpStatusCode.PaymentRequired);

        Assert.Equal(RunAdmission.MaxRunBudgetType, refused.Type);
        Assert.Contains("¥10.00", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
    }

    [Fact]
    public async Task A_wallet_that_cannot_cover_the_quote_is_refused_with_402_saying_how_much_to_top_up()
    {
        // Exactly Pro's price: the prorated upgrade leaves at most a few fen.
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 9_900);
        var available = (await customer.Api.WalletAsync()).AvailableFen;

        var refused = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), template = "crispr-screen-design" }))
            .AssertProblemAsync(HttpStatusCode.PaymentRequired);

        Assert.Equal(RunAdmission.InsufficientFundsType, refused.Type);
        Assert.Equal(5_000 - available, ((JsonElement)refused.Extensions["topUpFen"]!).GetInt64());
        Assert.Contains("POST /api/billing/topups", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await RunBillingSteps.RunCountAsync(stack, customer.User.Id));
    }

    [Fact]
    public async Task An_unknown_template_on_a_run_is_a_validation_problem()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack);
        await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), template = "nope" })).AssertValidationProblemAsync("template");
    }

    private static async Task<QuoteResponse> QuoteAsync(HttpClient api, object body) =>
        await (await api.PostAsJsonAsync("/api/billing/quote", body, Ct)).ReadAsync<QuoteResponse>();
}
