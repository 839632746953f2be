using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary>
/// One fake gateway per test class (generating its RSA keys is the slow part) and our client of it, over real HTTP,
/// on a clock the tests move. Tests use fresh order numbers, so they do not see each other's trades.
/// </summary>
public sealed class AlipayGatewayFixture : IAsyncLifetime
{
    private readonly List<IDisposable> _owned = [];

    public FakeAlipay Gateway { get; private set; } = null!;
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public AlipayPaymentProvider Provider { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await FakeAlipay.StartAsync();
        Provider = NewProvider();
    }

    /// <summary>A client of the fake with other options or another clock (disposed with the fixture).</summary>
    public AlipayPaymentProvider NewProvider(AlipayOptions? options = null, TimeProvider? time = null)
    {
        var account = AlipayAccount.Create(options ?? Gateway.ClientOptions());
        var http = new HttpClient();
        _owned.Add(account);
        _owned.Add(http);
        return new AlipayPaymentProvider(http, account, time ?? Time, NullLogger<AlipayPaymentProvider>.Instance);
    }

    public static string NewOutTradeNo() => "BA" + Guid.NewGuid().ToString("N")[..24];

    public OrderRequest Order(long amountFen, bool pageRedirect = false) =>
        new(NewOutTradeNo(), amountFen, "BioAiSaaS 专业版 月度订阅", Time.GetUtcNow().AddMinutes(15), pageRedirect);

    /// <summary>A trade created through our client and paid by the fake's buyer.</summary>
    public async Task<OrderRequest> PaidOrderAsync(long amountFen, CancellationToken cancellationToken)
    {
        var order = Order(amountFen);
        await Provider.CreateOrderAsync(order, cancellationToken);
        Gateway.Pay(order.OutTradeNo);
        return order;
    }

    public async ValueTask DisposeAsync()
    {
        _owned.ForEach(o => o.Dispose());
        await Gateway.DisposeAsync();
    }
}
