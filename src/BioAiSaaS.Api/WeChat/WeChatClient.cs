using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.WeChat;

/// <summary>WeChat's answers carry errors in the body of an HTTP 200: <c>{"errcode":40029,"errmsg":"invalid code"}</c>.</summary>
public abstract record WeChatReply
{
    [JsonPropertyName("errcode")] public int ErrorCode { get; init; }
    [JsonPropertyName("errmsg")] public string? ErrorMessage { get; init; }
}

public sealed record WeChatAccessToken : WeChatReply
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("openid")] public string? OpenId { get; init; }
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
}

public sealed record WeChatUserInfo : WeChatReply
{
    [JsonPropertyName("openid")] public string? OpenId { get; init; }
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
    [JsonPropertyName("nickname")] public string? Nickname { get; init; }
}

/// <summary>A WeChat refusal or failure, with its errcode (0 when the call itself failed).</summary>
public sealed class WeChatException(int errorCode, string message) : Exception(message)
{
    public int ErrorCode { get; } = errorCode;

    /// <summary>The user's authorization code was bad, used or missing: their problem, not ours.</summary>
    public bool IsInvalidCode => ErrorCode is 40029 or 40163 or 41008;
}

/// <summary>The two server-to-server calls of the authorization-code flow (<c>sns/oauth2/access_token</c>, <c>sns/userinfo</c>).</summary>
public sealed class WeChatClient(HttpClient http, IOptions<WeChatOptions> options)
{
    public async Task<WeChatAccessToken> ExchangeCodeAsync(string code, CancellationToken cancellationToken)
    {
        var o = options.Value;
        // WeChat's protocol puts the secret in the query; HttpClientFactory's logs redact query strings (.NET 9+).
        return await GetAsync<WeChatAccessToken>(
            $"sns/oauth2/access_token?appid={Uri.EscapeDataString(o.AppId!)}&secret={Uri.EscapeDataString(o.AppSecret!)}&code={Uri.EscapeDataString(code)}&grant_type=authorization_code",
            cancellationToken);
    }

    public Task<WeChatUserInfo> GetUserInfoAsync(string accessToken, string openId, CancellationToken cancellationToken) =>
        GetAsync<WeChatUserInfo>(
            $"sns/userinfo?access_token={Uri.EscapeDataString(accessToken)}&openid={Uri.EscapeDataString(openId)}&lang=zh_CN",
            cancellationToken);

    private async Task<T> GetAsync<T>(string relative, CancellationToken cancellationToken) where T : WeChatReply
    {
        T? reply;
        try
        {
            using var response = await http.GetAsync(new Uri(options.Value.ApiBaseUrl, relative), cancellationToken);
            response.EnsureSuccessStatusCode();
            // WeChat sometimes labels JSON as text/plain, so read it regardless of the content type.
            reply = System.Text.Json.JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WeChatException(0, $"WeChat could not be reached: {ex.Message}");
        }
        if (reply is null)
        {
            throw new WeChatException(0, "WeChat answered with an empty body.");
        }
        if (reply.ErrorCode != 0)
        {
            throw new WeChatException(reply.ErrorCode, $"WeChat refused: errcode {reply.ErrorCode} ({reply.ErrorMessage}).");
        }
        return reply;
    }
}
