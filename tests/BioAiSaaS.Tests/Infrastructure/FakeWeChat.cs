using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>A WeChat user as the fake knows them.</summary>
public sealed record WeChatUser(string OpenId, string? UnionId, string Nickname);

/// <summary>
/// WeChat's website-login endpoints over real HTTP, as the Open Platform documents them: <c>connect/qrconnect</c>
/// (here the "scan" happens at once, for <see cref="NextUser"/>), <c>sns/oauth2/access_token</c> (one-time codes,
/// app secret checked) and <c>sns/userinfo</c>. Errors are HTTP 200 with <c>errcode</c>, as WeChat sends them.
/// </summary>
public sealed class FakeWeChat : IAsyncDisposable
{
    public const string AppId = "wxfake0000000001";
    public const string AppSecret = "fake-wechat-app-secret-0123456789";

    private readonly ConcurrentDictionary<string, (WeChatUser User, bool Used)> _codes = new();
    private readonly ConcurrentDictionary<string, WeChatUser> _tokens = new();
    private readonly WebApplication _app;

    /// <summary>Who "scans the QR code" next.</summary>
    public WeChatUser NextUser { get; set; } = new("openid-default", "unionid-default", "默认用户");

    /// <summary>When set, the next token exchange answers this errcode instead (then it clears).</summary>
    public int? FailNextExchangeWith { get; set; }

    public Uri BaseUrl { get; }

    private FakeWeChat(WebApplication app)
    {
        _app = app;
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public static async Task<FakeWeChat> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeWeChat? fake = null;
        app.MapGet("/connect/qrconnect", (HttpContext c) => fake!.Authorize(c));
        app.MapGet("/sns/oauth2/access_token", (HttpContext c) => fake!.Exchange(c));
        app.MapGet("/sns/userinfo", (HttpContext c) => fake!.UserInfo(c));
        await app.StartAsync();
        fake = new FakeWeChat(app);
        return fake;
    }

    /// <summary>Mints a code for <see cref="NextUser"/> as if they had scanned and confirmed on their phone.</summary>
    public string IssueCode()
    {
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _codes[code] = (NextUser, false);
        return code;
    }

    private IResult Authorize(HttpContext context)
    {
        var q = context.Request.Query;
        if (q["appid"] != AppId || q["scope"] != "snsapi_login" || q["response_type"] != "code" || string.IsNullOrEmpty(q["redirect_uri"]))
        {
            return Results.BadRequest("bad authorize request");
        }
        var redirect = QueryHelpers.AddQueryString(q["redirect_uri"]!, new Dictionary<string, string?>
        {
            ["code"] = IssueCode(),
            ["state"] = q["state"],
        });
        return Results.Redirect(redirect);
    }

    private IResult Exchange(HttpContext context)
    {
        var q = context.Request.Query;
        if (FailNextExchangeWith is { } errcode)
        {
            FailNextExchangeWith = null;
            return Error(errcode, errcode == -1 ? "system error" : "injected error");
        }
        if (q["appid"] != AppId)
        {
            return Error(40013, "invalid appid");
        }
        if (q["secret"] != AppSecret)
        {
            return Error(40125, "invalid appsecret");
        }
        if (q["grant_type"] != "authorization_code")
        {
            return Error(40002, "invalid grant_type");
        }
        var code = q["code"].ToString();
        if (string.IsNullOrEmpty(code))
        {
            return Error(41008, "missing code");
        }
        if (!_codes.TryGetValue(code, out var entry))
        {
            return Error(40029, "invalid code");
        }
        if (entry.Used || !_codes.TryUpdate(code, (entry.User, true), entry))
        {
            return Error(40163, "code been used");
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = entry.User;
        return Results.Json(new Dictionary<string, object?>
        {
            ["access_token"] = token,
            ["expires_in"] = 7200,
            ["refresh_token"] = "refresh-" + token,
            ["openid"] = entry.User.OpenId,
            ["scope"] = "snsapi_login",
            ["unionid"] = entry.User.UnionId,
        }.Where(kv => kv.Value is not null).ToDictionary());
    }

    private IResult UserInfo(HttpContext context)
    {
        var q = context.Request.Query;
        if (!_tokens.TryGetValue(q["access_token"].ToString(), out var user))
        {
            return Error(40001, "invalid credential, access_token is invalid or not latest");
        }
        if (q["openid"] != user.OpenId)
        {
            return Error(40003, "invalid openid");
        }
        return Results.Json(new Dictionary<string, object?>
        {
            ["openid"] = user.OpenId,
            ["nickname"] = user.Nickname,
            ["sex"] = 0,
            ["province"] = "",
            ["city"] = "",
            ["country"] = "CN",
            ["headimgurl"] = "",
            ["privilege"] = Array.Empty<string>(),
            ["unionid"] = user.UnionId,
        }.Where(kv => kv.Value is not null).ToDictionary());
    }

    // WeChat reports failures with HTTP 200 and an errcode in the body.
    private static IResult Error(int errcode, string errmsg) => Results.Json(new { errcode, errmsg });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
