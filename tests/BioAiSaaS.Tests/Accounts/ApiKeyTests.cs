using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Api.ApiKeys;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>API keys: shown once, stored hashed, scoped, revocable, accepted in either header.</summary>
[Collection(StackCollection.Name)]
public sealed class ApiKeyTests(StackFixture stack)
{
    private static readonly string[] UnknownScopes = ["admin:all"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_is_shown_once_stored_as_a_hash_and_works_in_either_header()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "apikey");
        using var owner = stack.CreateApiClient(user.Tokens.AccessToken);
        var created = await (await owner.PostAsJsonAsync("/api/account/api-keys", new { name = "notebook" }, Ct))
            .ReadAsync<CreatedApiKeyResponse>(HttpStatusCode.Created);
        Assert.StartsWith("bsk_", created.Key, StringComparison.Ordinal);
        Assert.Equal(["runs:read", "runs:write"], created.ApiKey.Scopes.Order());

        var listed = await owner.GetStringAsync("/api/account/api-keys", Ct);
        Assert.DoesNotContain(created.Key, listed, StringComparison.Ordinal);
        Assert.Contains(created.ApiKey.Prefix, listed, StringComparison.Ordinal);
        await using (var db = stack.CreateDbContext())
        {
            var row = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.ApiKey.Id, Ct);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(created.Key)), row.SecretHash);
            Assert.Null(row.LastUsedAt);
        }

        using var header = stack.CreateApiClient(apiKey: created.Key);
        using var bearer = stack.CreateApiClient(accessToken: created.Key);
        Assert.Equal(HttpStatusCode.Accepted, (await header.PostAsJsonAsync("/api/runs", new { language = "python", code = "print(1)" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/runs", Ct)).StatusCode);
        await using (var db = stack.CreateDbContext())
        {
            Assert.NotNull((await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.ApiKey.Id, Ct)).LastUsedAt);
        }
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "revoke");
        using var owner = stack.CreateApiClient(user.Tokens.AccessToken);
        var created = await (await owner.PostAsJsonAsync("/api/account/api-keys", new { name = "ci" }, Ct))
            .ReadAsync<CreatedApiKeyResponse>(HttpStatusCode.Created);
        using var program = stack.CreateApiClient(apiKey: created.Key);
        Assert.Equal(HttpStatusCode.OK, (await program.GetAsync("/api/runs", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/account/api-keys/{created.ApiKey.Id}", Ct)).StatusCode);

        await (await program.GetAsync("/api/runs", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_read_only_key_cannot_start_runs_and_no_key_can_manage_the_account()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "scoped");
        var key = await AccountsClient.CreateApiKeyAsync(stack, user.Tokens.AccessToken, "reader", "runs:read");
        using var reader = stack.CreateApiClient(apiKey: key);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/runs", Ct)).StatusCode);
        var write = await (await reader.PostAsJsonAsync("/api/runs", new { language = "python", code = "print(1)" }, Ct))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("runs:write", write.Detail, StringComparison.Ordinal);
        var manage = await (await reader.PostAsJsonAsync("/api/account/api-keys", new { name = "escalate" }, Ct))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("API keys cannot", manage.Detail, StringComparison.Ordinal);
        await (await reader.GetAsync("/api/account/export", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("bsk_short")]
    [InlineData("bsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well-formed, unknown
    [InlineData("not-even-a-key")]
    public async Task Unknown_or_malformed_keys_are_401(string key)
    {
        using var client = stack.CreateApiClient(apiKey: key);

        await (await client.GetAsync("/api/runs", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Bad_key_requests_are_validation_problems()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "badkey");
        using var owner = stack.CreateApiClient(user.Tokens.AccessToken);

        await (await owner.PostAsJsonAsync("/api/account/api-keys", new { name = "" }, Ct)).AssertValidationProblemAsync("name");
        await (await owner.PostAsJsonAsync("/api/account/api-keys", new { name = "x", scopes = UnknownScopes }, Ct)).AssertValidationProblemAsync("scopes");
        await (await owner.PostAsJsonAsync("/api/account/api-keys", new { name = "x", expiresInDays = 0 }, Ct)).AssertValidationProblemAsync("expiresInDays");
        await (await owner.DeleteAsync($"/api/account/api-keys/{Guid.NewGuid()}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
