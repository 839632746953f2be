using System.Net.Http.Json;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Billing;

/// <summary>What billing tests do over and over: a fresh customer, money in the wallet, a notification delivered.</summary>
internal static class BillingSteps
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A verified user of their own and a client acting as them.</summary>
    public static async Task<(TestUser User, HttpClient Api)> NewCustomerAsync(StackFixture stack, string prefix = "billing")
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, prefix);
        return (user, stack.CreateApiClient(user.Tokens.AccessToken));
    }

    /// <summary>Credits the wallet as a settled top-up would, through the posting function, acting as the user.</summary>
    public static async Task FundAsync(StackFixture stack, Guid userId, long fen)
    {
        await using var db = await stack.CreateTenantDbContextAsync(userId);
        var result = await new Ledger(db).PostAsync(Posting.TopUp(userId, PaymentProviders.WeChatPay, "TF" + Guid.NewGuid().ToString("N")[..20], fen), Ct);
        Assert.Equal(PostingOutcome.Posted, result.Outcome);
    }

    /// <summary>Debits the wallet as a charge would (usage revenue), through the posting function, acting as the user.</summary>
    public static async Task SpendAsync(StackFixture stack, Guid userId, long fen)
    {
        await using var db = await stack.CreateTenantDbContextAsync(userId);
        var result = await new Ledger(db).PostAsync(Posting.Debit("test-spend:" + Guid.NewGuid().ToString("N"), EntryKinds.Usage, userId, fen,
            LedgerAccounts.UsageRevenue, "A test's spending"), Ct);
        Assert.Equal(PostingOutcome.Posted, result.Outcome);
    }

    /// <summary>Bills the user's usage now, as the Worker's job would (acting as the user), instead of waiting for it.</summary>
    public static async Task IngestUsageAsync(StackFixture stack, Guid userId, int batchSize = 500)
    {
        await using var db = await stack.CreateTenantDbContextAsync(userId);
        await Ingestor(db).IngestAllAsync(userId, batchSize, Ct);
    }

    public static BioAiSaaS.Core.Billing.Cycles.UsageIngestor Ingestor(BioDbContext db) =>
        new(db, new Ledger(db), new BioAiSaaS.Core.Billing.RateCards.RateCardCatalog(db),
            new BioAiSaaS.Core.Billing.Subscriptions.SubscriptionService(db, new Ledger(db), TimeProvider.System));

    public static async Task<WalletResponse> WalletAsync(this HttpClient api) =>
        await (await api.GetAsync("/api/billing/wallet", Ct)).ReadAsync<WalletResponse>();

    public static async Task<TopUpResponse> CreateTopUpAsync(this HttpClient api, long amountFen, string provider = "wechatpay") =>
        await (await api.PostAsJsonAsync("/api/billing/topups", new { provider, amountFen }, Ct))
            .ReadAsync<TopUpResponse>(System.Net.HttpStatusCode.Created);

    public static async Task<TopUpResponse> GetTopUpAsync(this HttpClient api, string outTradeNo) =>
        await (await api.GetAsync($"/api/billing/topups/{outTradeNo}", Ct)).ReadAsync<TopUpResponse>();

    /// <summary>Posts a notification to the Api exactly as the provider's servers would: its headers, its raw body.</summary>
    public static async Task<HttpResponseMessage> DeliverAsync(this HttpClient anonymous, ReceivedNotification notification, string provider = "wechatpay")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/{provider}/notify")
        {
            // WeChat Pay posts JSON; Alipay a form, whose charset its content type names.
            Content = new StringContent(notification.Body, System.Text.Encoding.UTF8,
                notification.Headers.TryGetValue("content-type", out var type) ? type.Split(';')[0] : "application/json"),
        };
        foreach (var (name, value) in notification.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await anonymous.SendAsync(request, Ct);
    }

    /// <summary>Polls until <paramref name="condition"/> holds (the worker's jobs run on their own schedule).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(250, Ct);
        }
    }
}
