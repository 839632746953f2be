using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.WeChat;
using Aspire.Hosting.Testing;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>WeChat website QR login against a local server speaking WeChat's three endpoints over HTTP.</summary>
[Collection(StackCollection.Name)]
public sealed class WeChatTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task First_sign_in_creates_an_account_and_the_next_one_finds_it_by_unionid()
    {
        var wechatUser = NewWeChatUser(unionId: true);
        using var browser = Browser();

        var first = await SignInAsync(browser, wechatUser);
        var second = await SignInAsync(Browser(), wechatUser with { OpenId = "another-app-openid" }); // same person, other app

        var firstId = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(first.AccessToken).Subject;
        Assert.Equal(firstId, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(second.AccessToken).Subject);
        using var client = stack.CreateApiClient(first.AccessToken);
        var account = await (await client.GetAsync("/api/account", Ct)).ReadAsync<AccountResponse>();
        Assert.Equal(wechatUser.Nickname, account.DisplayName);
        Assert.Null(account.Email);
        Assert.Contains("WeChat", account.Logins);
        // Vouched for by WeChat: may start runs without an e-mail address.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/runs", new { language = "python", code = "print(1)" }, Ct)).StatusCode);
        await using var db = stack.CreateDbContext();
        Assert.True(await db.UserLogins.AnyAsync(l => l.LoginProvider == "WeChat" && l.ProviderKey == wechatUser.UnionId, Ct));
    }

    [Fact]
    public async Task Without_a_unionid_the_openid_identifies_the_account()
    {
        var wechatUser = NewWeChatUser(unionId: false);

        await SignInAsync(Browser(), wechatUser);

        await using var db = stack.CreateDbContext();
        Assert.True(await db.UserLogins.AnyAsync(l => l.LoginProvider == "WeChat" && l.ProviderKey == wechatUser.OpenId, Ct));
    }

    [Fact]
    public async Task A_state_that_does_not_match_the_browsers_cookie_is_refused_and_creates_nothing()
    {
        stack.WeChat.NextUser = NewWeChatUser(unionId: true);
        using var browser = Browser();
        var callback = await AuthorizeAtWeChatAsync(browser);
        var tampered = callback.Replace("state=", "state=x", StringComparison.Ordinal);
        var before = await CountUsersAsync();

        await (await browser.GetAsync(tampered, Ct)).AssertProblemAsync(HttpStatusCode.BadRequest);
        // Another browser (no state cookie) presenting a genuine callback URL: login CSRF, refused.
        using var attacker = Browser();
        await (await attacker.GetAsync(callback, Ct)).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(before, await CountUsersAsync());
    }

    [Fact]
    public async Task A_replayed_callback_is_refused()
    {
        stack.WeChat.NextUser = NewWeChatUser(unionId: true);
        using var browser = Browser();
        var callback = await AuthorizeAtWeChatAsync(browser);
        var cookies = browser.Handler.CookieContainer.GetCookieHeader(new Uri(browser.Client.BaseAddress!, "/api/auth/wechat/callback"));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback, Ct)).StatusCode);

        // Replaying the captured request, cookie and all.
        using var replay = new HttpRequestMessage(HttpMethod.Get, callback);
        replay.Headers.Add("Cookie", cookies);
        using var attacker = Browser();
        await (await attacker.Client.SendAsync(replay, Ct)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_code_already_used_is_refused_by_wechat_and_answered_as_a_clear_400()
    {
        stack.WeChat.NextUser = NewWeChatUser(unionId: true);
        using var browser = Browser();
        var callback = await AuthorizeAtWeChatAsync(browser);
        var code = QueryHelpers.ParseQuery(new Uri(browser.Client.BaseAddress!, callback).Query)["code"].ToString();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback, Ct)).StatusCode);

        // A fresh attempt (valid state) that smuggles in the spent code.
        using var second = Browser();
        var fresh = await AuthorizeAtWeChatAsync(second);
        var withOldCode = QueryHelpers.AddQueryString("/api/auth/wechat/callback", new Dictionary<string, string?>
        {
            ["code"] = code,
            ["state"] = QueryHelpers.ParseQuery(new Uri(second.Client.BaseAddress!, fresh).Query)["state"],
        });
        var problem = await (await second.GetAsync(withOldCode, Ct)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("40163", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, HttpStatusCode.ServiceUnavailable)]
    [InlineData(40125, HttpStatusCode.BadGateway)]
    [InlineData(40029, HttpStatusCode.BadRequest)]
    public async Task WeChat_errcodes_in_a_200_answer_become_clear_problems(int errcode, HttpStatusCode expected)
    {
        stack.WeChat.NextUser = NewWeChatUser(unionId: true);
        using var browser = Browser();
        var callback = await AuthorizeAtWeChatAsync(browser);
        stack.WeChat.FailNextExchangeWith = errcode;

        var problem = await (await browser.GetAsync(callback, Ct)).AssertProblemAsync(expected);

        Assert.Contains(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_ticket_works_once()
    {
        stack.WeChat.NextUser = NewWeChatUser(unionId: true);
        using var browser = Browser();
        var ticket = await TicketAsync(browser, await AuthorizeAtWeChatAsync(browser));

        await (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/wechat/exchange", new { ticket }, Ct)).ReadAsync<TokenResponse>();
        await (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/wechat/exchange", new { ticket }, Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_signed_in_user_links_wechat_then_signs_in_with_it_and_can_unlink_it()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "link");
        var wechatUser = NewWeChatUser(unionId: true);
        stack.WeChat.NextUser = wechatUser;
        using var browser = Browser();
        browser.Client.DefaultRequestHeaders.Authorization = new("Bearer", user.Tokens.AccessToken);

        var link = await (await browser.Client.PostAsync("/api/account/wechat/link", null, Ct)).ReadAsync<WeChatAuthorizeResponse>();
        browser.Client.DefaultRequestHeaders.Authorization = null;
        var callback = await FollowAuthorizeAsync(link.AuthorizeUrl);
        var landed = await browser.GetAsync(callback, Ct);
        Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
        Assert.EndsWith("#linked=wechat", landed.Headers.Location!.ToString(), StringComparison.Ordinal);

        var viaWeChat = await SignInAsync(Browser(), wechatUser);
        Assert.Equal(user.Id.ToString(), new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(viaWeChat.AccessToken).Subject);

        using var client = stack.CreateApiClient(user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/account/wechat", Ct)).StatusCode);
        var afterUnlink = await SignInAsync(Browser(), wechatUser); // a new, separate account now
        Assert.NotEqual(user.Id.ToString(), new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(afterUnlink.AccessToken).Subject);
    }

    [Fact]
    public async Task A_wechat_only_account_cannot_unlink_its_only_way_in()
    {
        var tokens = await SignInAsync(Browser(), NewWeChatUser(unionId: true));
        using var client = stack.CreateApiClient(tokens.AccessToken);

        await (await client.DeleteAsync("/api/account/wechat", Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    private static WeChatUser NewWeChatUser(bool unionId)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        return new WeChatUser($"o{id}", unionId ? $"u{id}" : null, $"研究员{id[..4]}");
    }

    private async Task<TokenResponse> SignInAsync(TestBrowser browser, WeChatUser wechatUser)
    {
        using (browser)
        {
            stack.WeChat.NextUser = wechatUser;
            var ticket = await TicketAsync(browser, await AuthorizeAtWeChatAsync(browser));
            return await (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/wechat/exchange", new { ticket }, Ct)).ReadAsync<TokenResponse>();
        }
    }

    /// <summary>Start → WeChat's QR page (scanned at once by the fake) → the callback URL WeChat sends the browser to.</summary>
    private static async Task<string> AuthorizeAtWeChatAsync(TestBrowser browser)
    {
        var start = await browser.GetAsync("/api/auth/wechat/start", Ct);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.Contains("scope=snsapi_login", authorize.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", authorize.ToString(), StringComparison.OrdinalIgnoreCase);
        return await FollowAuthorizeAsync(authorize);
    }

    private static async Task<string> FollowAuthorizeAsync(Uri authorize)
    {
        using var phone = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = await phone.GetAsync(authorize, Ct);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        return back.Headers.Location!.PathAndQuery;
    }

    private static async Task<string> TicketAsync(TestBrowser browser, string callback)
    {
        var landed = await browser.GetAsync(callback, Ct);
        var body = await landed.Content.ReadAsStringAsync(Ct);
        Assert.True(landed.StatusCode == HttpStatusCode.Redirect, body);
        var location = landed.Headers.Location!.ToString();
        Assert.StartsWith($"{StackFixture.ConsoleUrl}/auth/wechat#ticket=", location, StringComparison.Ordinal);
        return location[(location.IndexOf("#ticket=", StringComparison.Ordinal) + "#ticket=".Length)..];
    }

    private TestBrowser Browser() => new(stack.App.GetEndpoint("api", "http"));

    private async Task<int> CountUsersAsync()
    {
        await using var db = stack.CreateDbContext();
        return await db.Users.CountAsync(Ct);
    }
}

/// <summary>A browser: keeps cookies, does not follow redirects on its own.</summary>
public sealed class TestBrowser(Uri baseAddress) : IDisposable
{
    public HttpClientHandler Handler { get; } = new() { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
    public HttpClient Client => _client ??= new HttpClient(Handler, disposeHandler: false) { BaseAddress = baseAddress };
    private HttpClient? _client;

    public Task<HttpResponseMessage> GetAsync(string url, CancellationToken cancellationToken) => Client.GetAsync(url, cancellationToken);

    public void Dispose()
    {
        _client?.Dispose();
        Handler.Dispose();
    }
}
