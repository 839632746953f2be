using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioAiSaaS.Api.WeChat;

public sealed record WeChatAuthorizeResponse(Uri AuthorizeUrl);
public sealed record WeChatTicketRequest(string? Ticket);

/// <summary>
/// Sign-in (and account linking) with WeChat's website QR login, an OAuth 2.0 authorization-code flow.
/// The <c>state</c> is 256 random bits, bound to this browser by an HttpOnly cookie that holds it encrypted,
/// valid ten minutes and usable once. Tokens never travel in a URL: the callback lands the browser on the
/// console with a one-time ticket in the fragment, which the console trades for tokens with a POST.
/// </summary>
public static class WeChatApi
{
    private const string StateCookie = "bioaisaas_wechat_state";
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(1);

    public static IHostApplicationBuilder AddWeChatSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeChatOptions>().Bind(builder.Configuration.GetSection(WeChatOptions.Section));
        builder.Services.AddHttpClient<WeChatClient>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWeChatApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth/wechat").WithTags("Sign-in").AllowAnonymous();
        group.MapGet("/start", Start).WithSummary("Redirect the browser to WeChat's QR sign-in page");
        group.MapGet("/callback", CallbackAsync).WithSummary("WeChat sends the browser back here with a code");
        group.MapPost("/exchange", ExchangeAsync).WithSummary("Trade the one-time ticket from the callback for tokens");

        var account = app.MapGroup("/api/account/wechat").WithTags("Account").RequireAuthorization(Policies.Interactive);
        account.MapPost("/link", Link).WithSummary("Start linking a WeChat account; open the returned URL in the browser");
        account.MapDelete("/", UnlinkAsync).WithSummary("Unlink WeChat (only if the account can still sign in with a password)");
        return app;
    }

    private static Results<RedirectHttpResult, ProblemHttpResult> Start(HttpContext context, IOptions<WeChatOptions> options,
        IDataProtectionProvider protection) =>
        options.Value.Enabled
            ? TypedResults.Redirect(BeginAuthorization(context, options.Value, protection, linkUserId: null).ToString())
            : NotConfigured();

    private static Results<Ok<WeChatAuthorizeResponse>, ProblemHttpResult> Link(HttpContext context, IOptions<WeChatOptions> options,
        IDataProtectionProvider protection) =>
        options.Value.Enabled
            ? TypedResults.Ok(new WeChatAuthorizeResponse(BeginAuthorization(context, options.Value, protection, context.User.RequiredUserId())))
            : NotConfigured();

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult, ValidationProblem>> CallbackAsync(
        string? code, string? state, HttpContext context, IOptions<WeChatOptions> options, IDataProtectionProvider protection,
        IConnectionMultiplexer redis, WeChatClient wechat, UserManager<User> users, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return NotConfigured();
        }
        var expected = ReadState(context, protection);
        context.Response.Cookies.Delete(StateCookie, CookieOptions(context, TimeSpan.Zero));
        if (expected is null || string.IsNullOrEmpty(state)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(state), Encoding.ASCII.GetBytes(expected.Value.State)))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "Sign-in could not be verified",
                "The state does not match this browser's sign-in attempt (or it expired). Start the sign-in again.");
        }
        // Usable once, whatever happens next.
        if (!await redis.GetDatabase().StringSetAsync($"bioaisaas:wechat:state:{Hash(state)}", 1, StateLifetime, When.NotExists))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "Sign-in already completed", "This sign-in attempt was already used. Start again.");
        }
        if (string.IsNullOrEmpty(code))
        {
            // The user declined on their phone: WeChat returns without a code.
            return Problems.Of(StatusCodes.Status400BadRequest, "Sign-in cancelled", "WeChat returned no authorization code.");
        }

        WeChatUserInfo profile;
        try
        {
            var token = await wechat.ExchangeCodeAsync(code, cancellationToken);
            profile = await wechat.GetUserInfoAsync(token.AccessToken!, token.OpenId!, cancellationToken);
            profile = profile with { UnionId = profile.UnionId ?? token.UnionId };
        }
        catch (WeChatException ex)
        {
            return ex.IsInvalidCode
                ? Problems.Of(StatusCodes.Status400BadRequest, "WeChat refused the sign-in", $"{ex.Message} Start the sign-in again.")
                : Problems.Of(ex.ErrorCode == -1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
                    "WeChat sign-in failed", ex.Message);
        }
        var key = profile.UnionId ?? profile.OpenId;
        if (string.IsNullOrEmpty(key))
        {
            return Problems.Of(StatusCodes.Status502BadGateway, "WeChat sign-in failed", "WeChat returned no user id.");
        }

        var linked = await users.FindByLoginAsync(WeChatLogin.Provider, key);
        if (expected.Value.LinkUserId is { } linkUserId)
        {
            return await LinkAsync(linkUserId, linked, key, profile, options.Value, users, audit, cancellationToken);
        }
        var user = linked ?? await CreateAccountAsync(key, profile, users, audit, cancellationToken);
        var ticket = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await redis.GetDatabase().StringSetAsync($"bioaisaas:wechat:ticket:{Hash(ticket)}", user.Id.ToString(), TicketLifetime);
        return TypedResults.Redirect($"{options.Value.CompletionUrl}#ticket={ticket}");
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> ExchangeAsync(
        WeChatTicketRequest request, IConnectionMultiplexer redis, UserManager<User> users, TokenService tokens, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Ticket) || request.Ticket.Length > 64)
        {
            return Problems.Unauthorized("The sign-in ticket is invalid or has expired.");
        }
        var userId = await redis.GetDatabase().StringGetDeleteAsync($"bioaisaas:wechat:ticket:{Hash(request.Ticket)}");
        var user = userId.IsNullOrEmpty ? null : await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return Problems.Unauthorized("The sign-in ticket is invalid or has expired.");
        }
        if (await users.IsLockedOutAsync(user))
        {
            return Problems.Of(StatusCodes.Status423Locked, "Account locked", "This account is locked.");
        }
        return TypedResults.Ok(await tokens.SignInAsync(user, "wechat", cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlinkAsync(
        HttpContext context, UserManager<User> users, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        var login = (await users.GetLoginsAsync(user)).FirstOrDefault(l => l.LoginProvider == WeChatLogin.Provider);
        if (login is null)
        {
            return Problems.NotFound("WeChat link");
        }
        if (user.PasswordHash is null)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "WeChat is the only way in",
                "Set a password (and an e-mail address) first, or you could not sign in again.");
        }
        await users.RemoveLoginAsync(user, login.LoginProvider, login.ProviderKey);
        await audit.RecordAsync(AuditEventTypes.WeChatUnlinked, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult, ValidationProblem>> LinkAsync(Guid userId, User? linked,
        string key, WeChatUserInfo profile, WeChatOptions options, UserManager<User> users, AuditLog audit, CancellationToken cancellationToken)
    {
        if (linked is not null && linked.Id != userId)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "WeChat account in use", "This WeChat account is linked to another account.");
        }
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return Problems.NotFound("Account");
        }
        if (linked is null)
        {
            if ((await users.GetLoginsAsync(user)).Any(l => l.LoginProvider == WeChatLogin.Provider))
            {
                return Problems.Of(StatusCodes.Status409Conflict, "WeChat already linked", "Unlink the current WeChat account first.");
            }
            await users.AddLoginAsync(user, new UserLoginInfo(WeChatLogin.Provider, key, profile.Nickname));
            await audit.RecordAsync(AuditEventTypes.WeChatLinked, user.Id, cancellationToken: cancellationToken);
        }
        return TypedResults.Redirect($"{options.CompletionUrl}#linked=wechat");
    }

    private static async Task<User> CreateAccountAsync(string key, WeChatUserInfo profile, UserManager<User> users, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            UserName = $"wechat-{Guid.NewGuid():N}",
            DisplayName = profile.Nickname is { Length: > 0 } nickname ? nickname[..Math.Min(nickname.Length, 100)] : null,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        Check(await users.CreateAsync(user));
        Check(await users.AddLoginAsync(user, new UserLoginInfo(WeChatLogin.Provider, key, profile.Nickname)));
        Check(await users.AddToRoleAsync(user, RoleNames.User));
        await audit.RecordAsync(AuditEventTypes.Registered, user.Id, new { method = "wechat" }, cancellationToken: cancellationToken);
        return user;

        static void Check(IdentityResult result)
        {
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Creating a WeChat account failed: {string.Join("; ", result.Errors.Select(e => e.Description))}");
            }
        }
    }

    private static Uri BeginAuthorization(HttpContext context, WeChatOptions options, IDataProtectionProvider protection, Guid? linkUserId)
    {
        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var payload = linkUserId is { } id ? $"{state}|{id}" : state;
        context.Response.Cookies.Append(StateCookie, Protector(protection).Protect(payload, StateLifetime), CookieOptions(context, StateLifetime));
        var callback = options.CallbackUrl?.ToString()
                       ?? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/api/auth/wechat/callback";
        return new Uri(QueryHelpers.AddQueryString(options.AuthorizeUrl.ToString(), new Dictionary<string, string?>
        {
            ["appid"] = options.AppId,
            ["redirect_uri"] = callback,
            ["response_type"] = "code",
            ["scope"] = "snsapi_login",
            ["state"] = state,
        }) + "#wechat_redirect");
    }

    private static (string State, Guid? LinkUserId)? ReadState(HttpContext context, IDataProtectionProvider protection)
    {
        if (!context.Request.Cookies.TryGetValue(StateCookie, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return null;
        }
        try
        {
            var parts = Protector(protection).Unprotect(cookie).Split('|');
            return (parts[0], parts.Length > 1 && Guid.TryParse(parts[1], out var id) ? id : null);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector("BioAiSaaS.WeChatState").ToTimeLimitedDataProtector();

    private static CookieOptions CookieOptions(HttpContext context, TimeSpan lifetime) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        // Lax: the cookie must come along on WeChat's top-level redirect back to us.
        SameSite = SameSiteMode.Lax,
        Path = "/api/auth/wechat",
        MaxAge = lifetime,
        IsEssential = true,
    };

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static ProblemHttpResult NotConfigured() =>
        Problems.Of(StatusCodes.Status404NotFound, "WeChat sign-in is not available", "This installation has no WeChat AppID configured.");
}
