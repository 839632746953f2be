using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.TwoFactor;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>TOTP two-factor authentication, with codes computed by oathtool as an authenticator app would.</summary>
[Collection(StackCollection.Name)]
public sealed class TwoFactorTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Setup_gives_an_otpauth_uri_and_qr_code_and_2fa_stays_off_until_a_code_proves_the_key()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "totp-setup");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);

        var setup = await (await client.PostAsync("/api/account/2fa/authenticator", null, Ct)).ReadAsync<AuthenticatorSetupResponse>();

        Assert.Matches("^[A-Z2-7]{32}$", setup.SharedKey);
        Assert.StartsWith("otpauth://totp/BioAiSaaS%3A", setup.OtpauthUri, StringComparison.Ordinal);
        Assert.Contains($"secret={setup.SharedKey}", setup.OtpauthUri, StringComparison.Ordinal);
        Assert.Contains("issuer=BioAiSaaS", setup.OtpauthUri, StringComparison.Ordinal);
        Assert.StartsWith("<svg", setup.QrCodeSvg.TrimStart(), StringComparison.Ordinal);
        Assert.False((await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>()).TwoFactorEnabled);
        await (await client.PostAsJsonAsync("/api/account/2fa/enable", new { code = "000000" }, Ct)).AssertValidationProblemAsync("code");
        await stack.AnonymousApi.SignInAsync(user.Email); // still one factor
    }

    [Fact]
    public async Task Once_enabled_sign_in_needs_an_authenticator_code_which_cannot_be_replayed()
    {
        var (user, key, recoveryCodes) = await EnableAsync("totp-signin");
        Assert.Equal(10, recoveryCodes.Count);
        Assert.Equal(10, recoveryCodes.Distinct().Count());

        var challenge = await SignInChallengeAsync(user);
        // A wrong code counts as a failure and does not sign in.
        await (await SecondFactorAsync(challenge, code: "123456")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var code = await OathTool.TotpAsync(key, offsetSteps: 1); // a code from the next step is still accepted (clock drift)
        var tokens = await (await SecondFactorAsync(challenge, code: code)).ReadAsync<TokenResponse>();
        Assert.Equal("pwd+otp", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).GetClaim("amr").Value);

        var replay = await SecondFactorAsync(await SignInChallengeAsync(user), code: code);
        await replay.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once()
    {
        var (user, _, recoveryCodes) = await EnableAsync("totp-recovery");
        await using (var db = stack.CreateDbContext())
        {
            // Stored hashed: the database alone does not reveal a usable code.
            var stored = await db.UserTokens.AsNoTracking().Where(t => t.UserId == user.Id && t.Name == "RecoveryCodes")
                .Select(t => t.Value).SingleAsync(Ct);
            Assert.Equal(10, stored!.Split(';').Length);
            Assert.All(recoveryCodes, code => Assert.DoesNotContain(code, stored, StringComparison.OrdinalIgnoreCase));
        }

        var tokens = await (await SecondFactorAsync(await SignInChallengeAsync(user), recoveryCode: recoveryCodes[0])).ReadAsync<TokenResponse>();
        Assert.False(string.IsNullOrEmpty(tokens.AccessToken));

        await (await SecondFactorAsync(await SignInChallengeAsync(user), recoveryCode: recoveryCodes[0])).AssertProblemAsync(HttpStatusCode.Unauthorized);
        // Typed in lower case, as people do.
        await (await SecondFactorAsync(await SignInChallengeAsync(user), recoveryCode: recoveryCodes[1].ToLowerInvariant())).ReadAsync<TokenResponse>();
        await using var after = stack.CreateDbContext();
        var left = await after.UserTokens.AsNoTracking().Where(t => t.UserId == user.Id && t.Name == "RecoveryCodes")
            .Select(t => t.Value).SingleAsync(Ct);
        Assert.Equal(8, left!.Split(';').Length);
    }

    [Fact]
    public async Task A_tampered_or_missing_challenge_is_refused()
    {
        var (user, key, _) = await EnableAsync("totp-challenge");
        var challenge = await SignInChallengeAsync(user);

        await (await SecondFactorAsync(challenge[..^4] + "AAAA", code: await OathTool.TotpAsync(key))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await SecondFactorAsync("", code: "123456")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await SecondFactorAsync(challenge, code: "1", recoveryCode: "2")).AssertValidationProblemAsync("code");
    }

    [Fact]
    public async Task Disabling_needs_a_current_code_and_then_sign_in_is_one_factor_again()
    {
        var (user, key, _) = await EnableAsync("totp-disable");
        var tokens = await (await SecondFactorAsync(await SignInChallengeAsync(user), code: await OathTool.TotpAsync(key))).ReadAsync<TokenResponse>();
        using var client = stack.CreateApiClient(tokens.AccessToken);

        await (await client.PostAsJsonAsync("/api/account/2fa/disable", new { code = "000000" }, Ct)).AssertValidationProblemAsync("code");
        Assert.Equal(HttpStatusCode.NoContent,
            (await client.PostAsJsonAsync("/api/account/2fa/disable", new { code = await OathTool.TotpAsync(key, offsetSteps: 1) }, Ct)).StatusCode);

        await stack.AnonymousApi.SignInAsync(user.Email);
    }

    private async Task<(TestUser User, string Key, IReadOnlyList<string> RecoveryCodes)> EnableAsync(string prefix)
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, prefix);
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        var setup = await (await client.PostAsync("/api/account/2fa/authenticator", null, Ct)).ReadAsync<AuthenticatorSetupResponse>();
        var enabled = await (await client.PostAsJsonAsync("/api/account/2fa/enable",
            new { code = await OathTool.TotpAsync(setup.SharedKey, offsetSteps: -1) }, Ct)).ReadAsync<RecoveryCodesResponse>();
        return (user, setup.SharedKey, enabled.RecoveryCodes);
    }

    private async Task<string> SignInChallengeAsync(TestUser user)
    {
        var response = await (await stack.AnonymousApi.PostSignInAsync(user.Email, user.Password)).ReadAsync<TwoFactorRequiredResponse>();
        Assert.True(response.TwoFactorRequired);
        return response.TwoFactorToken;
    }

    private Task<HttpResponseMessage> SecondFactorAsync(string twoFactorToken, string? code = null, string? recoveryCode = null) =>
        stack.AnonymousApi.PostAsJsonAsync("/api/auth/login/two-factor", new { twoFactorToken, code, recoveryCode }, Ct);
}
