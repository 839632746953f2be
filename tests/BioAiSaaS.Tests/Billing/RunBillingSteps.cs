using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Billing;

/// <summary>What run-billing tests do over and over: a customer with a project, on a plan, runs that are quick or slow.</summary>
internal static class RunBillingSteps
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Customer(TestUser User, HttpClient Api, Guid Project);

    /// <summary>A fresh customer with a project; on Pro when <paramref name="pro"/>, paid from a wallet funded with
    /// <paramref name="fundFen"/> (what is left after the prorated upgrade stays in the wallet).</summary>
    public static async Task<Customer> CustomerAsync(StackFixture stack, bool pro = false, long fundFen = 0)
    {
        var (user, api) = await BillingSteps.NewCustomerAsync(stack, "runbill");
        if (fundFen > 0)
        {
            await BillingSteps.FundAsync(stack, user.Id, fundFen);
        }
        if (pro)
        {
            var change = await api.PostAsJsonAsync("/api/billing/subscription", new { plan = "pro" }, Ct);
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        }
        var response = await api.PostAsJsonAsync("/api/projects", new { name = "run billing" }, Ct);
        var project = await response.ReadAsync<JsonElement>(HttpStatusCode.Created);
        return new Customer(user, api, project.GetProperty("id").GetGuid());
    }

    /// <summary>A workflow of one quick code step that succeeds.</summary>
    public static object Quick() => new { steps = new object[] { new { id = "ok", kind = "code", code = "print('ok')" } } };

    /// <summary>A workflow whose one step fails.</summary>
    public static object Failing() => new { steps = new object[] { new { id = "bad", kind = "code", code = "1 / 0" } } };

    /// <summary>A workflow that runs until cancelled.</summary>
    public static object Slow() => new { steps = new object[] { new { id = "slow", kind = "code", code = "import time\ntime.sleep(120)" } } };

    public static Task<HttpResponseMessage> SubmitAsync(this Customer customer, object body) =>
        customer.Api.PostAsJsonAsync($"/api/projects/{customer.Project}/runs", body, Ct);

    /// <summary>How many runs the user has, read as the owner of the database (nothing hidden by row-level security).</summary>
    public static async Task<int> RunCountAsync(StackFixture stack, Guid userId)
    {
        await using var db = stack.CreateDbContext();
        return await db.Runs.CountAsync(r => r.OwnerId == userId, Ct);
    }

    public static async Task<RunCharge?> ChargeAsync(StackFixture stack, Guid runId)
    {
        await using var db = stack.CreateDbContext();
        return await db.RunCharges.AsNoTracking().SingleOrDefaultAsync(c => c.RunId == runId, Ct);
    }

    /// <summary>The journal entries posted under <paramref name="key"/> (0 or 1: keys are unique).</summary>
    public static async Task<int> EntriesAsync(StackFixture stack, string key)
    {
        await using var db = stack.CreateDbContext();
        return await db.JournalEntries.CountAsync(e => e.Key == key, Ct);
    }

    public static async Task<BillingSettingsResponse> SettingsAsync(this HttpClient api) =>
        await (await api.GetAsync("/api/billing/settings", Ct)).ReadAsync<BillingSettingsResponse>();

    public static async Task SetLimitAsync(this HttpClient api, long fen) =>
        await (await api.PutAsJsonAsync("/api/billing/settings", new { autoAuthoriseLimitFen = fen }, Ct)).ReadAsync<BillingSettingsResponse>();
}
