using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>Export of everything held about me, and deletion with an anonymised audit trail.</summary>
[Collection(StackCollection.Name)]
public sealed class PrivacyTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Export_holds_account_sessions_keys_runs_and_audit_but_no_secrets()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "export");
        var key = await AccountsClient.CreateApiKeyAsync(stack, user.Tokens.AccessToken, "exported key");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        var (_, run) = await client.SubmitAsync("print('mine')");

        var response = await client.GetAsync("/api/account/export", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var json = await response.Content.ReadAsStringAsync(Ct);
        using var archive = JsonDocument.Parse(json);
        var root = archive.RootElement;
        Assert.Equal(user.Email, root.GetProperty("account").GetProperty("email").GetString());
        Assert.Contains(root.GetProperty("runs").EnumerateArray(), r => r.GetProperty("id").GetGuid() == run.Id);
        Assert.Equal("exported key", root.GetProperty("apiKeys").EnumerateArray().Single().GetProperty("name").GetString());
        Assert.NotEmpty(root.GetProperty("sessions").EnumerateArray());
        Assert.Contains(root.GetProperty("auditEvents").EnumerateArray(), a => a.GetProperty("type").GetString() == "account.registered");
        Assert.DoesNotContain(key, json, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Tokens.RefreshToken, json, StringComparison.Ordinal);
        Assert.DoesNotContain("passwordHash", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AQAAAA", json, StringComparison.Ordinal); // Identity's password hash prefix
    }

    [Fact]
    public async Task Deleting_the_account_needs_the_password_and_removes_runs_and_sessions_but_keeps_an_anonymous_audit_trail()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "delete");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        var (_, run) = await client.SubmitAsync("print('gone')");
        await client.WaitForFinishAsync(run.Id);

        await (await client.PostAsJsonAsync("/api/account/delete", new { password = "not my password" }, Ct)).AssertValidationProblemAsync("password");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/account/delete", new { password = user.Password }, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account", Ct)).StatusCode);
        await (await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await using var db = stack.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Id == user.Id, Ct));
        Assert.False(await db.Runs.AnyAsync(r => r.Id == run.Id, Ct));
        Assert.False(await db.Sessions.AnyAsync(s => s.UserId == user.Id, Ct));
        Assert.False(await db.AuditEvents.AnyAsync(a => a.UserId == user.Id, Ct));
        Assert.True(await db.AuditEvents.AnyAsync(a => a.Type == "privacy.account_deleted" && a.UserId == null, Ct));
        // The address is free again.
        await stack.AnonymousApi.RegisterAsync(user.Email);
    }
}
