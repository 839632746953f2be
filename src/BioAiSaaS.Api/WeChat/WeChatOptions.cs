namespace BioAiSaaS.Api.WeChat;

/// <summary>
/// The <c>WeChat</c> section (website QR login on the WeChat Open Platform). Sign-in with WeChat is on when
/// <see cref="AppId"/> and <see cref="AppSecret"/> are set; the secret belongs in user-secrets or a vault.
/// </summary>
public sealed class WeChatOptions
{
    public const string Section = "WeChat";

    public string? AppId { get; set; }
    public string? AppSecret { get; set; }
    public Uri AuthorizeUrl { get; set; } = new("https://open.weixin.qq.com/connect/qrconnect");
    public Uri ApiBaseUrl { get; set; } = new("https://api.weixin.qq.com/");
    /// <summary>Our callback as registered with WeChat; by default this Api's own <c>/api/auth/wechat/callback</c>.</summary>
    public Uri? CallbackUrl { get; set; }
    /// <summary>The console page the browser lands on afterwards (the sign-in ticket travels in its fragment).</summary>
    public Uri CompletionUrl { get; set; } = new("http://localhost:5173/auth/wechat");

    public bool Enabled => !string.IsNullOrEmpty(AppId) && !string.IsNullOrEmpty(AppSecret);
}

public static class WeChatLogin
{
    /// <summary>The Identity external-login provider name; the key is the unionid, or the openid when there is none.</summary>
    public const string Provider = "WeChat";
}
