using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>
/// The limits hold across Api replicas: two limiters with connections of their own (as two replicas have)
/// against the stack's real Redis share one count, so alternating between them gains nothing.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SharedRateLimitTests(StackFixture stack)
{
    [Fact]
    public async Task Two_replicas_alternating_requests_share_one_allowance()
    {
        var options = new RateLimitOptions { SignIn = new RateLimit { PerIp = 0, PerAccount = 7, WindowSeconds = 60 } };
        await using var first = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using var second = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        RedisRateLimiter[] replicas =
        [
            new(first, new StaticOptions(options), NullLogger<RedisRateLimiter>.Instance),
            new(second, new StaticOptions(options), NullLogger<RedisRateLimiter>.Instance),
        ];
        var account = AccountsClient.UniqueEmail("replicas");

        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 12; i++)
        {
            decisions.Add(await replicas[i % 2].CheckAsync(RateLimitPolicy.SignIn, "203.0.113.7", account));
        }

        Assert.Equal(7, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Skip(7), d => Assert.False(d.Allowed));
        Assert.All(decisions.Skip(7), d => Assert.InRange(d.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)));
        // Another account is counted on its own.
        Assert.True((await replicas[0].CheckAsync(RateLimitPolicy.SignIn, "203.0.113.7", AccountsClient.UniqueEmail("other"))).Allowed);
    }

    private sealed class StaticOptions(RateLimitOptions value) : IOptionsMonitor<RateLimitOptions>
    {
        public RateLimitOptions CurrentValue => value;
        public RateLimitOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<RateLimitOptions, string?> listener) => null;
    }
}
