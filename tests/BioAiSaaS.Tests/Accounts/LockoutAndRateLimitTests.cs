using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Tests.Infrastructure;
using StackExchange.Redis;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>Account lockout in PostgreSQL, and the Redis-backed rate limits (429 with Retry-After).</summary>
[Collection(StackCollection.Name)]
public sealed class LockoutAndRateLimitTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "lockout");

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await (await stack.AnonymousApi.PostSignInAsync(user.Email, $"wrong password {attempt}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
        var fifth = await stack.AnonymousApi.PostSignInAsync(user.Email, "wrong password 5");
        await fifth.AssertProblemAsync(HttpStatusCode.Locked);
        var right = await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password);

        var problem = await right.AssertProblemAsync(HttpStatusCode.Locked);
        Assert.Contains("Too many failed attempts", problem.Detail, StringComparison.Ordinal);
        var retryAfter = int.Parse(right.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 14 * 60, 15 * 60);
        await using var db = stack.CreateDbContext();
        Assert.Contains(db.AuditEvents.Where(a => a.UserId == user.Id).Select(a => a.Type), t => t == "signin.locked_out");
    }

    [Fact]
    public async Task Sign_in_flood_on_one_account_answers_429_with_retry_after_before_touching_the_password()
    {
        var email = AccountsClient.UniqueEmail("flood"); // no such account: lockout cannot be what stops it

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 12; i++)
        {
            last = await stack.AnonymousApi.PostSignInAsync(email, "guess " + i);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses[10..]);
        await last!.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.InRange(int.Parse(last!.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 60);
        // The counter lives in Redis, where every Api replica shares it.
        var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using (redis)
        {
            var keys = redis.GetServers().Single().Keys(pattern: "bioaisaas:ratelimit:SignIn:account:*").ToList();
            Assert.NotEmpty(keys);
        }
    }

    [Fact]
    public async Task Password_reset_requests_from_one_address_are_limited_even_for_different_accounts()
    {
        var statuses = new List<HttpStatusCode>();
        try
        {
            for (var i = 0; i < 25; i++)
            {
                var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/forgot",
                    new { email = AccountsClient.UniqueEmail("reset-flood") }, Ct);
                statuses.Add(response.StatusCode);
            }
        }
        finally
        {
            // Every test shares 127.0.0.1: give the address its allowance back for the tests that follow.
            await ForgetAddressCountersAsync("PasswordReset");
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var firstRefusal = statuses.IndexOf(HttpStatusCode.TooManyRequests);
        Assert.All(statuses[firstRefusal..], s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.InRange(firstRefusal, 1, 20); // the per-address allowance is 20 an hour, shared with other tests
    }

    private async Task ForgetAddressCountersAsync(string policy)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using (redis)
        {
            var keys = redis.GetServers().Single().Keys(pattern: $"bioaisaas:ratelimit:{policy}:ip:*").ToArray();
            await redis.GetDatabase().KeyDeleteAsync(keys);
        }
    }

    [Fact]
    public async Task Run_submissions_are_limited_per_user()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "run-flood");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        using var other = stack.CreateApiClient((await AccountsClient.CreateVerifiedUserAsync(stack, "run-calm")).Tokens.AccessToken);

        // Invalid submissions count too (the limit is checked first), and create no runs to execute.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 125; i++)
        {
            statuses.Add((await client.PostAsJsonAsync("/api/runs", new { language = "python", code = "" }, Ct)).StatusCode);
        }

        Assert.Equal(120, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.BadRequest, (await other.PostAsJsonAsync("/api/runs", new { language = "python", code = "" }, Ct)).StatusCode);
    }
}
