namespace BioAiSaaS.Api.Billing;

/// <summary>
/// How a provider's servers must be answered: whether we took a notification, or want it sent again. Keyed by the
/// provider's name, so adding a provider adds a responder and touches nothing else.
/// </summary>
public interface INotificationResponder
{
    IResult Accepted();

    /// <summary>Refused or not processable yet: the provider retries on its own schedule.</summary>
    IResult Refused();
}

/// <summary>WeChat Pay API v3: 200/204 with no body means received; 4xx/5xx with <c>{"code":"FAIL","message":…}</c> means resend.</summary>
public sealed class WeChatPayResponder : INotificationResponder
{
    public IResult Accepted() => TypedResults.NoContent();

    public IResult Refused() => TypedResults.Json(new WeChatPayFailure("FAIL", "失败"), statusCode: StatusCodes.Status400BadRequest);

    private sealed record WeChatPayFailure(string Code, string Message);
}

/// <summary>Alipay: the body is exactly <c>success</c>; anything else (we send <c>failure</c>) makes it resend.</summary>
public sealed class AlipayResponder : INotificationResponder
{
    public IResult Accepted() => TypedResults.Text("success", "text/plain");

    public IResult Refused() => TypedResults.Text("failure", "text/plain");
}
