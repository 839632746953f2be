using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>Registration, verification by mail (read from a real SMTP server), password reset and e-mail change.</summary>
[Collection(StackCollection.Name)]
public sealed class RegistrationTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_mails_a_code_that_verifies_the_address()
    {
        var email = AccountsClient.UniqueEmail("verify");
        var registered = await stack.AnonymousApi.RegisterAsync(email);
        Assert.True(registered.VerificationEmailSent);

        var mail = await stack.Mail.WaitForAsync(email, "Verify");
        Assert.Contains($"{StackFixture.ConsoleUrl}/verify-email#userId={registered.UserId}", mail.TextBody, StringComparison.Ordinal);
        await stack.VerifyFromMailAsync(email);

        using var client = stack.CreateApiClient((await stack.AnonymousApi.SignInAsync(email)).AccessToken);
        var account = await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>();
        Assert.True(account.EmailConfirmed);
        Assert.Equal(email, account.Email);
        Assert.Contains("user", account.Roles);
    }

    [Fact]
    public async Task Unverified_user_can_sign_in_but_cannot_start_runs_until_verified()
    {
        var user = await AccountsClient.CreateUnverifiedUserAsync(stack, "unverified");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);

        var refused = await client.PostAsJsonAsync("/api/runs", new { language = "python", code = "print(1)" }, Ct);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Verify your e-mail", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/runs", Ct)).StatusCode);

        await stack.VerifyFromMailAsync(user.Email);
        var refreshed = await (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/refresh",
            new { refreshToken = user.Tokens.RefreshToken }, Ct)).ReadAsync<TokenResponse>();
        using var verified = stack.CreateApiClient(refreshed.AccessToken);
        var accepted = await verified.PostAsJsonAsync("/api/runs", new { language = "python", code = "print(1)" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    public static TheoryData<string, string, string> BadRegistrations => new()
    {
        { "not-an-email", AccountsClient.Password, "email" },
        { "two@@bio.test", AccountsClient.Password, "email" },
        { "no-domain-dot@localhost", AccountsClient.Password, "email" },
        { "Name <named@bio.test>", AccountsClient.Password, "email" },
        { "spaces in@bio.test", AccountsClient.Password, "email" },
        { "", AccountsClient.Password, "email" },
        { "short-password@bio.test", "short", "password" },
        { "common-password@bio.test", "password123", "password" },
        { "few-unique@bio.test", "aaaaabbbbbaaaaa", "password" },
        { "mailbox-in-password@bio.test", "{mailbox}-2026", "password" },
        { "empty-password@bio.test", "", "password" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task Bad_email_or_weak_password_is_refused_and_creates_no_account(string email, string password, string field)
    {
        var unique = email.Replace("@bio.test", $"-{Guid.NewGuid():N}@bio.test", StringComparison.Ordinal);
        password = password.Replace("{mailbox}", unique.Split('@')[0], StringComparison.Ordinal);
        var before = await CountUsersAsync();

        var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/register", new { email = unique, password }, Ct);

        await response.AssertValidationProblemAsync(field);
        Assert.Equal(before, await CountUsersAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"email": 42}""")]
    [InlineData("[]")]
    public async Task Malformed_json_to_an_account_endpoint_is_a_400_problem(string json)
    {
        foreach (var path in new[] { "/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/email/verify" })
        {
            var response = await stack.AnonymousApi.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);
            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task Registering_an_address_twice_is_a_conflict_whatever_its_case()
    {
        var email = AccountsClient.UniqueEmail("twice");
        await stack.AnonymousApi.RegisterAsync(email);

        var again = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/register",
            new { email = email.ToUpperInvariant(), password = AccountsClient.Password }, Ct);

        await again.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Altered_or_foreign_verification_code_is_refused()
    {
        var email = AccountsClient.UniqueEmail("altered");
        var registered = await stack.AnonymousApi.RegisterAsync(email);
        var (_, code) = MailSink.ReadCode(await stack.Mail.WaitForAsync(email, "Verify"));
        var other = await stack.AnonymousApi.RegisterAsync(AccountsClient.UniqueEmail("altered-other"));

        var altered = code[..^2] + (code[^2] == 'A' ? "BB" : "AA");
        foreach (var (userId, attempt) in new[] { (registered.UserId, altered), (other.UserId, code), (registered.UserId, "!!not-base64!!") })
        {
            var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/email/verify", new { userId, code = attempt }, Ct);
            await response.AssertValidationProblemAsync("code");
        }
        using var client = stack.CreateApiClient((await stack.AnonymousApi.SignInAsync(email)).AccessToken);
        Assert.False((await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>()).EmailConfirmed);
    }

    [Fact]
    public async Task Resending_the_verification_mail_has_a_one_minute_cool_down()
    {
        var email = AccountsClient.UniqueEmail("resend");
        await stack.AnonymousApi.RegisterAsync(email);
        await stack.Mail.WaitForAsync(email, "Verify");

        var first = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/email/resend", new { email }, Ct);
        var second = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/email/resend", new { email }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await second.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.InRange(int.Parse(second.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        await Task.Delay(500, Ct);
        Assert.Equal(2, stack.Mail.CountTo(email));
    }

    [Fact]
    public async Task Password_reset_by_mail_sets_the_new_password_and_ends_every_session()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "reset");
        Assert.Equal(HttpStatusCode.Accepted,
            (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/forgot", new { email = user.Email }, Ct)).StatusCode);
        var (userId, code) = MailSink.ReadCode(await stack.Mail.WaitForAsync(user.Email, "Reset"));
        const string newPassword = "a brand new passphrase 2026";

        var weak = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/reset", new { userId, code, newPassword = "short" }, Ct);
        await weak.AssertValidationProblemAsync("newPassword");
        var reset = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/reset", new { userId, code, newPassword }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);

        await (await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await stack.AnonymousApi.SignInAsync(user.Email, newPassword);
        var refresh = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = user.Tokens.RefreshToken }, Ct);
        await refresh.AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var old = stack.CreateApiClient(user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/account", Ct)).StatusCode);
        // The code was spent with the password change (the security stamp moved on).
        var reuse = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/reset", new { userId, code, newPassword = "yet another passphrase 1" }, Ct);
        await reuse.AssertValidationProblemAsync("code");
    }

    [Fact]
    public async Task Forgot_password_answers_the_same_for_an_unknown_address_and_sends_nothing()
    {
        var email = AccountsClient.UniqueEmail("nobody");

        var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/password/forgot", new { email }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Task.Delay(500, Ct);
        Assert.Equal(0, stack.Mail.CountTo(email));
    }

    [Fact]
    public async Task Changing_the_email_takes_effect_only_once_the_new_address_confirms()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "change");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        var newEmail = AccountsClient.UniqueEmail("changed");

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/account/email", new { newEmail }, Ct)).StatusCode);
        Assert.Equal(user.Email, (await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>()).Email);
        var (_, code) = MailSink.ReadCode(await stack.Mail.WaitForAsync(newEmail, "Confirm your new"));
        var wrongAddress = await client.PostAsJsonAsync("/api/account/email/confirm", new { newEmail = AccountsClient.UniqueEmail("other"), code }, Ct);
        await wrongAddress.AssertValidationProblemAsync("code");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/account/email/confirm", new { newEmail, code }, Ct)).StatusCode);

        Assert.Equal(newEmail, (await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>()).Email);
        await stack.AnonymousApi.SignInAsync(newEmail);
        await (await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<int> CountUsersAsync()
    {
        await using var db = stack.CreateDbContext();
        return await db.Users.CountAsync(Ct);
    }
}
