using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Admin;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>The admin role: granted only through configuration, required by the admin endpoints.</summary>
[Collection(StackCollection.Name)]
public sealed class AdminTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_configured_address_becomes_admin_once_verified_and_can_list_users()
    {
        using var admin = await AdminAsync();

        var account = await (await admin.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>();
        Assert.Contains("admin", account.Roles);
        var page = await (await admin.GetAsync($"/api/admin/users?search={Uri.EscapeDataString(stack.DefaultUser.Email)}", Ct))
            .ReadAsync<AdminUserPage>();
        Assert.Equal(stack.DefaultUser.Id, Assert.Single(page.Users).Id);
        await (await admin.GetAsync("/api/admin/users?pageSize=0", Ct)).AssertValidationProblemAsync("pageSize");
    }

    [Fact]
    public async Task Ordinary_users_and_api_keys_get_403_from_admin_endpoints()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "not-admin");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);

        var problem = await (await client.GetAsync("/api/admin/users", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Administrators only.", problem.Detail);
        await (await stack.Api.GetAsync("/api/admin/audit", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await stack.AnonymousApi.GetAsync("/api/admin/users", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Locking_a_user_ends_their_sessions_and_blocks_sign_in_until_unlocked()
    {
        using var admin = await AdminAsync();
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "to-lock");
        var key = await AccountsClient.CreateApiKeyAsync(stack, user.Tokens.AccessToken, "script");
        using var program = stack.CreateApiClient(apiKey: key);
        Assert.Equal(HttpStatusCode.OK, (await program.GetAsync("/api/runs", Ct)).StatusCode); // now in the Api's key cache

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/admin/users/{user.Id}/lock", new { reason = "abuse" }, Ct)).StatusCode);

        using (var locked = stack.CreateApiClient(user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await locked.GetAsync("/api/account", Ct)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await program.GetAsync("/api/runs", Ct)).StatusCode);
        var refused = await (await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password)).AssertProblemAsync(HttpStatusCode.Locked);
        Assert.Contains("administrator", refused.Detail, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{user.Id}/unlock", null, Ct)).StatusCode);
        await stack.AnonymousApi.SignInAsync(user.Email);
        Assert.Equal(HttpStatusCode.OK, (await program.GetAsync("/api/runs", Ct)).StatusCode);
        var audit = await (await admin.GetAsync($"/api/admin/audit?userId={user.Id}", Ct)).ReadAsync<List<AuditEventResponse>>();
        Assert.Contains(audit, a => a.Type == "admin.user_locked" && a.ActorId is not null);
        Assert.Contains(audit, a => a.Type == "admin.user_unlocked");
        await (await admin.PostAsync($"/api/admin/users/{Guid.NewGuid()}/lock", null, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_audit_log_records_registration_sign_ins_failures_and_key_creation()
    {
        using var admin = await AdminAsync();
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "audited");
        await stack.AnonymousApi.PostSignInAsync(user.Email, "wrong wrong wrong");
        await AccountsClient.CreateApiKeyAsync(stack, user.Tokens.AccessToken, "audited key");

        var types = (await (await admin.GetAsync($"/api/admin/audit?userId={user.Id}", Ct)).ReadAsync<List<AuditEventResponse>>())
            .Select(a => a.Type).ToList();

        Assert.Contains("account.registered", types);
        Assert.Contains("account.email_verified", types);
        Assert.Contains("signin.succeeded", types);
        Assert.Contains("signin.failed", types);
        Assert.Contains("apikey.created", types);
    }

    private Task<HttpClient> AdminAsync() => stack.AdminClientAsync();
}
