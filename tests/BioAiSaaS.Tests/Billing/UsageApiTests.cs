using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>GET /api/billing/usage: the usage events a user's runs wrote, summed per day, project, kind and model.</summary>
[Collection(StackCollection.Name)]
public sealed class UsageApiTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_is_summed_per_day_project_kind_and_model_for_the_caller_only()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "usage");
        var api = stack.CreateApiClient(accessToken: user.Tokens.AccessToken);
        var project = (await (await api.PostAsJsonAsync("/api/projects", new { name = "metered" }, Ct)).ReadAsync<JsonElement>(HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        var marker = Guid.NewGuid().ToString("N");
        var submitted = await api.PostAsJsonAsync($"/api/projects/{project}/runs", new
        {
            workflow = new
            {
                steps = new object[]
                {
                    new { id = "code", kind = "code", code = "sum(range(10))" },
                    new { id = "ask", kind = "llm", prompt = $"[{marker}] One word, please." },
                },
            },
        }, Ct);
        var run = await submitted.ReadAsync<RunResponse>(HttpStatusCode.Accepted);
        var (finished, _) = await api.WaitForFinishAsync(run.Id);
        Assert.Equal(RunStatus.Succeeded, finished.Status);

        // The run's cost at list price: its tokens and sandbox time on the standard card (¥0.15 per 1,000 tokens).
        var cost = finished.Cost!;
        var tokens = finished.Usage![UsageKinds.LlmInputTokens] + finished.Usage[UsageKinds.LlmOutputTokens];
        var sandboxFen = (long)Math.Round(finished.Usage[UsageKinds.SandboxSeconds] * 1000m * 10 / 60_000m, MidpointRounding.AwayFromZero);
        Assert.InRange(cost.MeteredFen, (long)Math.Floor(tokens * 15m / 1000m) + sandboxFen - 2, (long)Math.Ceiling(tokens * 15m / 1000m) + sandboxFen + 2);
        Assert.Equal(("token-based", 0L, "standard"), (cost.BillingMode, cost.ChargedFen, cost.RateCard));

        var report = await (await api.GetAsync("/api/billing/usage", Ct)).ReadAsync<UsageReport>();

        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        Assert.All(report.Lines, l => Assert.Equal((today, project), (l.Day, l.ProjectId)));
        Assert.Equal(finished.Usage![UsageKinds.SandboxSeconds], report.Lines.Single(l => l.Kind == UsageKinds.SandboxSeconds).Quantity);
        var input = report.Lines.Single(l => l.Kind == UsageKinds.LlmInputTokens);
        Assert.Equal((FakeChatCompletions.Model, "standard", finished.Usage[UsageKinds.LlmInputTokens]), (input.Model, input.RateCard, input.Quantity));
        Assert.Equal(1, input.Events);

        // Another project, or another user, sees none of it.
        Assert.Empty((await (await api.GetAsync($"/api/billing/usage?projectId={Guid.NewGuid()}", Ct)).ReadAsync<UsageReport>()).Lines);
        var stranger = await AccountsClient.CreateVerifiedUserAsync(stack, "usage-other");
        Assert.Empty((await (await stack.CreateApiClient(accessToken: stranger.Tokens.AccessToken).GetAsync("/api/billing/usage", Ct))
            .ReadAsync<UsageReport>()).Lines);
    }

    [Theory]
    [InlineData("from=2026-11-20&to=2026-11-10")]
    [InlineData("from=2024-01-01&to=2026-01-01")]
    [InlineData("from=yesterday")]
    public async Task A_bad_range_is_a_validation_problem(string query)
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "usage-bad");
        var response = await stack.CreateApiClient(accessToken: user.Tokens.AccessToken).GetAsync($"/api/billing/usage?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}
