using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>Access tokens (ES256, JWKS), refresh rotation with reuse detection, sessions, and forged tokens.</summary>
[Collection(StackCollection.Name)]
public sealed class TokenTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Access_token_is_ES256_for_15_minutes_and_verifies_against_the_published_jwks()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "jwt");
        var jwks = await stack.AnonymousApi.GetStringAsync("/.well-known/jwks.json", Ct);
        var keys = new JsonWebKeySet(jwks);

        var token = new JsonWebToken(user.Tokens.AccessToken);
        Assert.Equal("ES256", token.Alg);
        Assert.Contains(keys.Keys, k => k.Kid == token.Kid && k.Kty == "EC" && k.Crv == "P-256");
        Assert.Equal(900, user.Tokens.ExpiresIn);
        Assert.InRange((token.ValidTo - token.ValidFrom).TotalMinutes, 14.9, 15.1);
        Assert.Equal(user.Id.ToString(), token.Subject);
        Assert.DoesNotContain(keys.Keys, k => k.D is not null); // only public halves are published

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(user.Tokens.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = "https://bioaisaas.local",
            ValidAudience = "bioaisaas-api",
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Fact]
    public async Task Refresh_rotates_the_token_and_presenting_a_spent_one_revokes_the_whole_session()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "rotate");

        var first = await (await RefreshAsync(user.Tokens.RefreshToken)).ReadAsync<TokenResponse>();
        Assert.NotEqual(user.Tokens.RefreshToken, first.RefreshToken);
        Assert.Equal(user.Tokens.SessionId, first.SessionId);
        var second = await (await RefreshAsync(first.RefreshToken)).ReadAsync<TokenResponse>();

        // A thief replays the first token: the family dies, including the legitimate latest token and its access token.
        var replay = await (await RefreshAsync(user.Tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("already used", replay.Detail, StringComparison.Ordinal);
        await (await RefreshAsync(second.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var client = stack.CreateApiClient(second.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account", Ct)).StatusCode);
        await using var db = stack.CreateDbContext();
        var session = await db.Sessions.AsNoTracking().SingleAsync(s => s.Id == user.Tokens.SessionId, Ct);
        Assert.Equal("refresh_token_reuse", session.RevokedReason);
        Assert.True(await db.AuditEvents.AnyAsync(a => a.UserId == user.Id && a.Type == "session.refresh_reuse", Ct));
    }

    [Fact]
    public async Task Concurrent_presentations_of_one_refresh_token_yield_exactly_one_new_pair()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "race");

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RefreshAsync(user.Tokens.RefreshToken)));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        // The losers were concurrent presentations, not a replay: the session, and the winner's new pair, live on.
        var next = await (await RefreshAsync((await winner.ReadAsync<TokenResponse>()).RefreshToken)).ReadAsync<TokenResponse>();
        Assert.Equal(user.Tokens.SessionId, next.SessionId);
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_hashes()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "hashed");
        await using var db = stack.CreateDbContext();

        var stored = await db.RefreshTokens.AsNoTracking().Where(t => t.SessionId == user.Tokens.SessionId).ToListAsync(Ct);

        var token = Assert.Single(stored);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(user.Tokens.RefreshToken)), token.Hash);
    }

    [Fact]
    public async Task Sign_out_ends_the_session_for_both_its_access_and_refresh_tokens()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "logout");
        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/account", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout", null, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account", Ct)).StatusCode);
        await (await RefreshAsync(user.Tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sessions_list_shows_each_device_and_revoking_one_signs_only_that_device_out()
    {
        var email = AccountsClient.UniqueEmail("sessions");
        await AccountsClient.CreateVerifiedUserAsync(stack, "sessions", email);
        using var laptop = stack.CreateApiClient();
        laptop.DefaultRequestHeaders.UserAgent.ParseAdd("Laptop/1.0");
        var laptopTokens = await laptop.SignInAsync(email);
        using var phone = stack.CreateApiClient();
        phone.DefaultRequestHeaders.UserAgent.ParseAdd("Phone/2.0");
        var phoneTokens = await phone.SignInAsync(email);
        laptop.DefaultRequestHeaders.Authorization = new("Bearer", laptopTokens.AccessToken);
        phone.DefaultRequestHeaders.Authorization = new("Bearer", phoneTokens.AccessToken);

        var sessions = await (await laptop.GetAsync("/api/account/sessions", Ct)).ReadAsync<List<SessionResponse>>();
        Assert.Equal(3, sessions.Count); // the first sign-in, the laptop, the phone
        var phoneSession = Assert.Single(sessions, s => s.Device == "Phone/2.0");
        Assert.Equal("127.0.0.1", phoneSession.IpAddress);
        Assert.True(Assert.Single(sessions, s => s.Device == "Laptop/1.0").Current);

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.DeleteAsync($"/api/account/sessions/{phoneSession.Id}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/account", Ct)).StatusCode);
        await (await RefreshAsync(phoneTokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/api/account", Ct)).StatusCode);
        Assert.Equal(2, (await (await laptop.GetAsync("/api/account/sessions", Ct)).ReadAsync<List<SessionResponse>>()).Count);
    }

    [Fact]
    public async Task Another_users_session_cannot_be_revoked_and_answers_not_found()
    {
        var alice = await AccountsClient.CreateVerifiedUserAsync(stack, "alice-sessions");
        var bob = await AccountsClient.CreateVerifiedUserAsync(stack, "bob-sessions");
        using var client = stack.CreateApiClient(alice.Tokens.AccessToken);

        await (await client.DeleteAsync($"/api/account/sessions/{bob.Tokens.SessionId}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);

        await (await RefreshAsync(bob.Tokens.RefreshToken)).ReadAsync<TokenResponse>();
    }

    public static TheoryData<string> ForgedTokenKinds => new()
    {
        "alg none", "HS256 with the public key as secret", "signed by an unknown key under a real kid", "payload altered",
        "wrong audience", "wrong issuer", "expired", "not yet valid", "no expiry", "garbage",
    };

    [Theory]
    [MemberData(nameof(ForgedTokenKinds))]
    public async Task Forged_or_misdirected_tokens_are_refused_with_401(string kind)
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "forged");
        var token = await ForgeAsync(kind, user);
        using var client = stack.CreateApiClient(token);

        var response = await client.GetAsync("/api/account", Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_signed_with_the_real_key_and_proper_claims_is_accepted_so_the_forgery_tests_can_fail()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "control");
        using var client = stack.CreateApiClient(await ForgeAsync("control", user));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/account", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_token_in_the_query_string_is_ignored()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "query");

        var response = await stack.AnonymousApi.GetAsync($"/api/account?access_token={user.Tokens.AccessToken}", Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Garbage_refresh_tokens_are_401_or_400_never_500()
    {
        foreach (var body in new object[] { new { refreshToken = "nope" }, new { refreshToken = new string('x', 5000) }, new { refreshToken = "" }, new { } })
        {
            var response = await stack.AnonymousApi.PostAsJsonAsync("/api/auth/refresh", body, Ct);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode}");
        }
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        stack.AnonymousApi.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, Ct);

    /// <summary>Builds tokens as an attacker (or, for "control" and the claim tests, as someone holding the real key) would.</summary>
    private async Task<string> ForgeAsync(string kind, TestUser user)
    {
        var real = new JsonWebToken(user.Tokens.AccessToken);
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = user.Id.ToString(),
            ["sid"] = user.Tokens.SessionId.ToString(),
            ["verified"] = "true",
        };
        SecurityTokenDescriptor Descriptor(SigningCredentials? credentials, string audience = "bioaisaas-api",
            string issuer = "https://bioaisaas.local", DateTime? notBefore = null, DateTime? expires = null) => new()
        {
            Issuer = issuer, Audience = audience, Claims = claims, IssuedAt = notBefore ?? now.AddMinutes(-1),
            NotBefore = notBefore ?? now.AddMinutes(-1), Expires = expires ?? now.AddMinutes(10), SigningCredentials = credentials,
        };
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        switch (kind)
        {
            case "alg none":
                return handler.CreateToken(Descriptor(null));
            case "HS256 with the public key as secret":
                var jwks = await stack.AnonymousApi.GetStringAsync("/.well-known/jwks.json", Ct);
                return handler.CreateToken(Descriptor(new SigningCredentials(
                    new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwks.PadRight(64))) { KeyId = real.Kid }, SecurityAlgorithms.HmacSha256)));
            case "signed by an unknown key under a real kid":
                return handler.CreateToken(Descriptor(new SigningCredentials(
                    new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = real.Kid }, SecurityAlgorithms.EcdsaSha256)));
            case "payload altered":
                var parts = user.Tokens.AccessToken.Split('.');
                var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(WebEncoders.Base64UrlDecode(parts[1]))!;
                var altered = payload.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
                altered["role"] = "admin";
                return $"{parts[0]}.{WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(altered))}.{parts[2]}";
            case "garbage":
                return "this.is.not-a-jwt";
        }
        var key = await RealSigningKeyAsync(real.Kid);
        return kind switch
        {
            "control" => handler.CreateToken(Descriptor(key)),
            "wrong audience" => handler.CreateToken(Descriptor(key, audience: "someone-else")),
            "wrong issuer" => handler.CreateToken(Descriptor(key, issuer: "https://evil.example")),
            "expired" => handler.CreateToken(Descriptor(key, notBefore: now.AddMinutes(-30), expires: now.AddMinutes(-5))),
            "not yet valid" => handler.CreateToken(Descriptor(key, notBefore: now.AddMinutes(10), expires: now.AddMinutes(20))),
            "no expiry" => handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "https://bioaisaas.local", Audience = "bioaisaas-api", Claims = claims, SigningCredentials = key,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>The Api's own private key, unprotected with its Data Protection key ring (as only the Api should).</summary>
    private async Task<SigningCredentials> RealSigningKeyAsync(string kid)
    {
        var services = new ServiceCollection();
        services.AddDbContext<BioDbContext>(o => BioDatabase.Configure(o, stack.DatabaseConnectionString));
        services.AddDataProtection().SetApplicationName("BioAiSaaS").PersistKeysToDbContext<BioDbContext>();
        await using var provider = services.BuildServiceProvider();
        await using var db = stack.CreateDbContext();
        var row = await db.SigningKeys.AsNoTracking().SingleAsync(k => k.Id == kid, Ct);
        var protector = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("BioAiSaaS.SigningKeys");
        var ecdsa = ECDsa.Create();
        ecdsa.ImportECPrivateKey(Convert.FromBase64String(protector.Unprotect(row.ProtectedPrivateKey)), out _);
        return new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);
    }
}
