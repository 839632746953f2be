using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.ApiKeys;
using BioAiSaaS.Api.Auth;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>A registered, verified, signed-in test user.</summary>
public sealed record TestUser(Guid Id, string Email, string Password, TokenResponse Tokens);

/// <summary>Drives registration, verification (through the mail the Api sent) and sign-in the way a client would.</summary>
public static class AccountsClient
{
    public const string Password = "correct horse battery staple";
    private static int _counter;

    /// <summary>An API client signed in as the stack's admin (registered on first use; one sign-in per call).</summary>
    public static async Task<HttpClient> AdminClientAsync(this StackFixture stack)
    {
        var signIn = await stack.AnonymousApi.PostSignInAsync(StackFixture.AdminEmail, Password);
        var tokens = signIn.StatusCode == System.Net.HttpStatusCode.OK
            ? await signIn.ReadAsync<BioAiSaaS.Api.Auth.TokenResponse>()
            : (await CreateVerifiedUserAsync(stack, "admin", StackFixture.AdminEmail)).Tokens;
        return stack.CreateApiClient(tokens.AccessToken);
    }

    public static string UniqueEmail(string prefix) =>
        $"{prefix}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..8]}@bio.test";

    public static async Task<RegisterResponse> RegisterAsync(this HttpClient api, string email, string password = Password)
    {
        var response = await api.PostAsJsonAsync("/api/auth/register", new { email, password }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RegisterResponse>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Reads the verification mail from the SMTP server and posts its code.</summary>
    public static async Task VerifyFromMailAsync(this StackFixture stack, string email)
    {
        var (userId, code) = MailSink.ReadCode(await stack.Mail.WaitForAsync(email, "Verify"));
        var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/email/verify", new { userId, code }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static async Task<HttpResponseMessage> PostSignInAsync(this HttpClient api, string email, string password) =>
        await api.PostAsJsonAsync("/api/auth/login", new { email, password }, TestContext.Current.CancellationToken);

    public static async Task<TokenResponse> SignInAsync(this HttpClient api, string email, string password = Password)
    {
        var response = await api.PostSignInAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TokenResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<TestUser> CreateVerifiedUserAsync(StackFixture stack, string prefix, string? email = null)
    {
        email ??= UniqueEmail(prefix);
        var registered = await stack.AnonymousApi.RegisterAsync(email);
        await stack.VerifyFromMailAsync(email);
        return new TestUser(registered.UserId, email, Password, await stack.AnonymousApi.SignInAsync(email));
    }

    public static async Task<TestUser> CreateUnverifiedUserAsync(StackFixture stack, string prefix)
    {
        var email = UniqueEmail(prefix);
        var registered = await stack.AnonymousApi.RegisterAsync(email);
        return new TestUser(registered.UserId, email, Password, await stack.AnonymousApi.SignInAsync(email));
    }

    public static async Task<string> CreateApiKeyAsync(StackFixture stack, string accessToken, string name, params string[] scopes)
    {
        using var client = stack.CreateApiClient(accessToken);
        var response = await client.PostAsJsonAsync("/api/account/api-keys",
            new { name, scopes = scopes.Length == 0 ? null : scopes }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(TestContext.Current.CancellationToken))!.Key;
    }
}
