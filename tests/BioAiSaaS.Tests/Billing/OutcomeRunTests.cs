using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>Outcome-priced runs: the fee once on success, nothing on failure or cancellation, reject for a refund within
/// the window, accept, and the Worker's auto-accept.</summary>
[Collection(StackCollection.Name)]
public sealed class OutcomeRunTests(StackFixture stack)
{
    private const string Crispr = "crispr-screen-design";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_successful_outcome_run_is_charged_its_fee_once_and_its_usage_is_marked_outcome_based()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 20_000);
        var before = (await customer.Api.WalletAsync()).BalanceFen;

        var run = await SucceededAsync(customer);

        var wallet = await customer.Api.WalletAsync();
        Assert.Equal(before - 5_000, wallet.BalanceFen);
        Assert.Single(wallet.Movements, m => m.Kind == "outcome" && m.RunId == run && m.AmountFen == -5_000);
        // The run's own record: its quote, its metered usage at list price, and the fee charged for it.
        var cost = (await customer.Api.GetRunAsync(run)).Cost!;
        Assert.Equal((BillingModes.OutcomeBased, 5_000L, 5_000L), (cost.BillingMode, cost.EstimatedFen!.Value, cost.ChargedFen));
        Assert.Equal(1, cost.RateCardVersion);
        var outcome = await OutcomeAsync(customer.Api, run);
        Assert.Equal((OutcomeStatuses.Pending, 5_000), (outcome.Status, outcome.FeeFen));
        Assert.InRange(outcome.AcceptBy!.Value, DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        await using (var db = stack.CreateDbContext())
        {
            Assert.Equal(BillingModes.OutcomeBased, await db.Runs.Where(r => r.Id == run).Select(r => r.BillingMode).SingleAsync(Ct));
        }
        // The usage ingestion marks the run's usage billed without pricing it or counting it against the allowance:
        // the fee is its price.
        await BillingSteps.IngestUsageAsync(stack, customer.User.Id);
        await using (var db = stack.CreateDbContext())
        {
            var usage = await db.UsageEvents.Where(u => u.RunId == run).ToListAsync(Ct);
            Assert.NotEmpty(usage); // the code step's sandbox time
            Assert.All(usage, u => Assert.Equal((true, null), (u.BilledAt is not null, u.JournalKey)));
            Assert.Equal(0, await db.Set<BioAiSaaS.Core.Billing.Cycles.UsagePeriod>().Where(p => p.UserId == customer.User.Id)
                .SumAsync(p => p.SandboxMsUsed, Ct));
        }

        // The end-of-run path repeated (a retry after a crash between commit and acknowledgement): nothing more.
        await using (var tenantDb = await stack.CreateTenantDbContextAsync(customer.User.Id))
        {
            var entity = await tenantDb.Runs.AsNoTracking().SingleAsync(r => r.Id == run, Ct);
            await using var transaction = await tenantDb.Database.BeginTransactionAsync(Ct);
            await new OutcomeCharges(tenantDb).ChargeOnSuccessAsync(entity, TimeSpan.FromDays(7), Ct);
            await transaction.CommitAsync(Ct);
        }
        Assert.Equal(1, await RunBillingSteps.EntriesAsync(stack, OutcomeCharges.ChargeKey(run)));
        Assert.Equal(before - 5_000, (await customer.Api.WalletAsync()).BalanceFen);
    }

    [Fact]
    public async Task Failed_and_cancelled_outcome_runs_cost_nothing()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 20_000);
        var before = (await customer.Api.WalletAsync()).BalanceFen;

        var failed = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Failing(), template = Crispr })).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        // While the first may still spend its ¥50, nothing is left of the default ¥50 limit: a second needs confirming
        // (unless the first has already ended), until the limit is raised to Pro's max.
        var second = await customer.SubmitAsync(new { workflow = RunBillingSteps.Slow(), template = Crispr });
        if (second.StatusCode == HttpStatusCode.PaymentRequired)
        {
            Assert.Equal(RunAdmission.ConfirmationRequiredType, (await second.AssertProblemAsync(HttpStatusCode.PaymentRequired)).Type);
        }
        else
        {
            await customer.Api.PostAsync($"/api/runs/{(await second.ReadAsync<RunResponse>(HttpStatusCode.Accepted)).Id}/cancel", null, Ct);
        }
        await customer.Api.SetLimitAsync(10_000);
        var slow = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Slow(), template = Crispr })).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        await customer.Api.WaitForStatusAsync(slow.Id, RunStatus.Running);
        await customer.Api.PostAsync($"/api/runs/{slow.Id}/cancel", null, Ct);

        Assert.Equal(RunStatus.Failed, (await customer.Api.WaitForFinishAsync(failed.Id)).Run.Status);
        Assert.Equal(RunStatus.Cancelled, (await customer.Api.WaitForFinishAsync(slow.Id)).Run.Status);
        Assert.Equal(before, (await customer.Api.WalletAsync()).BalanceFen);
        foreach (var id in new[] { failed.Id, slow.Id })
        {
            Assert.Equal(0, await RunBillingSteps.EntriesAsync(stack, OutcomeCharges.ChargeKey(id)));
            Assert.Null((await RunBillingSteps.ChargeAsync(stack, id))!.OutcomeStatus);
            await (await customer.Api.GetAsync($"/api/runs/{id}/outcome", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await RejectAsync(customer.Api, id)).AssertProblemAsync(HttpStatusCode.Conflict);
        }
    }

    [Fact]
    public async Task Rejecting_within_the_window_refunds_once_and_after_the_window_is_refused()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 30_000);
        var before = (await customer.Api.WalletAsync()).BalanceFen;
        var rejected = await SucceededAsync(customer);
        var late = await SucceededAsync(customer);
        Assert.Equal(before - 10_000, (await customer.Api.WalletAsync()).BalanceFen);

        var first = await (await RejectAsync(customer.Api, rejected)).ReadAsync<OutcomeResponse>();
        var again = await (await RejectAsync(customer.Api, rejected)).ReadAsync<OutcomeResponse>();
        await (await customer.Api.PostAsync($"/api/runs/{rejected}/outcome/accept", null, Ct)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal((OutcomeStatuses.Rejected, "the guides miss exon 2"), (first.Status, first.RejectReason));
        Assert.Equal(OutcomeStatuses.Rejected, again.Status);
        Assert.Equal(1, await RunBillingSteps.EntriesAsync(stack, OutcomeCharges.RefundKey(rejected)));
        Assert.Equal(before - 5_000, (await customer.Api.WalletAsync()).BalanceFen);

        await BackdateAsync(late);
        await (await RejectAsync(customer.Api, late)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, await RunBillingSteps.EntriesAsync(stack, OutcomeCharges.RefundKey(late)));
    }

    [Fact]
    public async Task Accepting_keeps_the_fee_and_outcomes_past_the_window_are_accepted_by_the_worker()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack, pro: true, fundFen: 30_000);
        var accepted = await SucceededAsync(customer);
        var unanswered = await SucceededAsync(customer);

        var accept = await (await customer.Api.PostAsync($"/api/runs/{accepted}/outcome/accept", null, Ct)).ReadAsync<OutcomeResponse>();
        var acceptAgain = await (await customer.Api.PostAsync($"/api/runs/{accepted}/outcome/accept", null, Ct)).ReadAsync<OutcomeResponse>();
        Assert.Equal((OutcomeStatuses.Accepted, OutcomeStatuses.Accepted), (accept.Status, acceptAgain.Status));
        await (await RejectAsync(customer.Api, accepted)).AssertProblemAsync(HttpStatusCode.Conflict);

        await BackdateAsync(unanswered);
        await BillingSteps.EventuallyAsync(async () => (await OutcomeAsync(customer.Api, unanswered)).Status == OutcomeStatuses.Accepted,
            "the worker auto-accepts the outcome");
        await (await RejectAsync(customer.Api, unanswered)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, await RunBillingSteps.EntriesAsync(stack, OutcomeCharges.RefundKey(unanswered)));
    }

    [Fact]
    public async Task Bad_input_to_the_outcome_endpoints_is_a_problem()
    {
        var customer = await RunBillingSteps.CustomerAsync(stack);
        var tokenRun = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick() })).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        await customer.Api.WaitForFinishAsync(tokenRun.Id);

        await (await customer.Api.PostAsJsonAsync($"/api/runs/{tokenRun.Id}/outcome/reject", new { reason = "" }, Ct)).AssertValidationProblemAsync("reason");
        await (await customer.Api.PostAsJsonAsync($"/api/runs/{tokenRun.Id}/outcome/reject", new { reason = new string('x', 1001) }, Ct))
            .AssertValidationProblemAsync("reason");
        await (await RejectAsync(customer.Api, Guid.NewGuid())).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await customer.Api.PostAsync($"/api/runs/{Guid.NewGuid()}/outcome/accept", null, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        // A token-priced run has no outcome to decide.
        await (await RejectAsync(customer.Api, tokenRun.Id)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await customer.Api.GetAsync($"/api/runs/{tokenRun.Id}/outcome", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<Guid> SucceededAsync(RunBillingSteps.Customer customer)
    {
        var run = await (await customer.SubmitAsync(new { workflow = RunBillingSteps.Quick(), template = Crispr })).ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        Assert.Equal(RunStatus.Succeeded, (await customer.Api.WaitForFinishAsync(run.Id)).Run.Status);
        return run.Id;
    }

    private static Task<HttpResponseMessage> RejectAsync(HttpClient api, Guid run) =>
        api.PostAsJsonAsync($"/api/runs/{run}/outcome/reject", new { reason = "the guides miss exon 2" }, Ct);

    private static async Task<OutcomeResponse> OutcomeAsync(HttpClient api, Guid run) =>
        await (await api.GetAsync($"/api/runs/{run}/outcome", Ct)).ReadAsync<OutcomeResponse>();

    /// <summary>Moves the reject window's end into the past, as if the seven days had gone by.</summary>
    private async Task BackdateAsync(Guid run)
    {
        await using var db = stack.CreateDbContext();
        await db.RunCharges.Where(c => c.RunId == run)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.OutcomeAcceptBy, DateTimeOffset.UtcNow.AddSeconds(-1)), Ct);
    }
}
