using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Admin;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>
/// The admin finance reports over the whole ledger. Other tests share the stack, so each assertion is on the change
/// this test makes between two readings (collections run one after another, so nothing else posts meanwhile).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class FinanceReportsTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Revenue_payments_mrr_churn_and_llm_cost_move_by_what_a_customer_did_and_export_as_csv()
    {
        using var admin = await AdminAsync();
        var revenueBefore = await ReadAsync<List<RevenueLine>>(admin, "revenue");
        var paymentsBefore = await ReadAsync<List<PaymentLine>>(admin, "payments");
        var mrrBefore = await ReadAsync<List<MrrLine>>(admin, "mrr");
        var churnBefore = await ReadAsync<ChurnReport>(admin, "churn");

        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "finance");
        await BillingSteps.FundAsync(stack, user.Id, 20_000);
        (await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "pro" }, Ct)).EnsureSuccessStatusCode();
        await BillingSteps.SpendAsync(stack, user.Id, 1_000);
        (await api.PostAsync("/api/billing/subscription/cancel", null, Ct)).EnsureSuccessStatusCode();
        var spent = 20_000 - (await api.WalletAsync()).BalanceFen;

        var revenue = await ReadAsync<List<RevenueLine>>(admin, "revenue");
        Assert.Equal(spent, revenue.Sum(l => l.AmountFen) - revenueBefore.Sum(l => l.AmountFen));
        Assert.Equal(1_000, Sum(revenue, "usage") - Sum(revenueBefore, "usage"));
        Assert.Equal(spent - 1_000, Sum(revenue, "subscription") - Sum(revenueBefore, "subscription"));
        var payments = await ReadAsync<List<PaymentLine>>(admin, "payments");
        Assert.Equal(20_000, payments.Where(p => p.Provider == "wechatpay").Sum(p => p.InFen) - paymentsBefore.Where(p => p.Provider == "wechatpay").Sum(p => p.InFen));
        var mrr = await ReadAsync<List<MrrLine>>(admin, "mrr");
        Assert.Equal(9_900, Mrr(mrr, "pro") - Mrr(mrrBefore, "pro"));
        var churn = await ReadAsync<ChurnReport>(admin, "churn");
        Assert.Equal((churnBefore.PayingSubscribers + 1, churnBefore.CancellingAtPeriodEnd + 1),
            (churn.PayingSubscribers, churn.CancellingAtPeriodEnd));
        var cost = await ReadAsync<LlmCostReport>(admin, "llm-cost");
        Assert.Equal(3_000, cost.TargetBasisPoints);
        Assert.Equal(revenue.Sum(l => l.AmountFen), cost.RevenueFen);

        var csv = await admin.GetAsync("/api/admin/finance/revenue?format=csv", Ct);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,source,plan,amountFen,amount", lines[0]);
        Assert.Equal(revenue.Count, lines.Length - 1);
    }

    [Fact]
    public async Task Only_admins_read_finance_and_bad_parameters_are_validation_problems()
    {
        var (_, api) = await BillingSteps.NewCustomerAsync(stack, "finance-user");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/admin/finance/revenue", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stack.AnonymousApi.GetAsync("/api/admin/finance/mrr", Ct)).StatusCode);

        using var admin = await AdminAsync();
        await (await admin.GetAsync("/api/admin/finance/revenue?format=xml", Ct)).AssertValidationProblemAsync("format");
        await (await admin.GetAsync("/api/admin/finance/payments?from=2026-11-20&to=2026-11-01", Ct)).AssertValidationProblemAsync("from");
        await (await admin.GetAsync("/api/admin/finance/top-users?limit=0", Ct)).AssertValidationProblemAsync("limit");
    }

    private static long Sum(List<RevenueLine> lines, string source) => lines.Where(l => l.Source == source).Sum(l => l.AmountFen);

    private static long Mrr(List<MrrLine> lines, string plan) => lines.Where(l => l.Plan == plan).Sum(l => l.MrrFen);

    private static async Task<T> ReadAsync<T>(HttpClient admin, string report) =>
        await (await admin.GetAsync($"/api/admin/finance/{report}", Ct)).ReadAsync<T>();

    private Task<HttpClient> AdminAsync() => stack.AdminClientAsync();
}
