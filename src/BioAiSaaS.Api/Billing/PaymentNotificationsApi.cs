using System.Text;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Tenancy;
using Microsoft.AspNetCore.Mvc;

namespace BioAiSaaS.Api.Billing;

/// <summary>
/// Where WeChat Pay and Alipay tell us about payments and refunds. Anonymous: the provider's signature is the
/// credential, checked by the provider client before anything is believed. Every answer is in the provider's own
/// format (<see cref="INotificationResponder"/>): accepted once the fact is recorded, refused (so it is sent again)
/// when it does not verify, is not about an order of ours, disagrees with the order, or comes too early.
/// </summary>
public static class PaymentNotificationsApi
{
    /// <summary>Notifications are a few KiB; anything larger is not one.</summary>
    private const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapPaymentNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/{provider}/notify", NotifyAsync)
            .WithTags("Billing").WithName("PaymentNotification")
            .WithSummary("A payment provider's asynchronous notification (called by WeChat Pay / Alipay, not by clients)")
            .WithDescription("Verified by the provider's signature. WeChat Pay is answered 204 when accepted and 400 {\"code\":\"FAIL\"} when refused; Alipay 'success' or 'failure'. Retries and concurrent deliveries credit once.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .AllowAnonymous()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> NotifyAsync(string provider, HttpContext context, IServiceScopeFactory scopes, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!PaymentProviders.Known.Contains(provider))
        {
            return Problems.NotFound("Payment provider");
        }
        var logger = loggers.CreateLogger(typeof(PaymentNotificationsApi));
        var responder = context.RequestServices.GetRequiredKeyedService<INotificationResponder>(provider);
        if (PaymentProviders.Find(context.RequestServices, provider) is not { } client)
        {
            logger.LogWarning("A {Provider} notification arrived, but that provider is not configured here", provider);
            return responder.Refused();
        }
        var received = await ReadAsync(context.Request, cancellationToken);
        switch (client.VerifyNotification(received))
        {
            case NotificationCheck.Rejected rejected:
                // The reason names what failed (signature, timestamp, ids), never the body or a key.
                logger.LogWarning("Rejected a {Provider} notification: {Reason}", provider, rejected.Reason);
                return responder.Refused();
            case NotificationCheck.Verified { Notification: var notification }:
                var outcome = await ApplyAsync(provider, notification, scopes, cancellationToken);
                if (outcome is SettlementOutcome.Credited or SettlementOutcome.AlreadyCredited or SettlementOutcome.RefundRecorded or null)
                {
                    logger.LogInformation("{Provider} notification {EventId} for {OutTradeNo}: {Outcome}", provider, notification.EventId,
                        notification.OutTradeNo, outcome?.ToString() ?? "noted");
                    return responder.Accepted();
                }
                logger.Log(outcome == SettlementOutcome.AmountMismatch ? LogLevel.Error : LogLevel.Warning,
                    "Refused {Provider} notification {EventId} ({Kind}) for {OutTradeNo} of {AmountFen} fen: {Outcome}", provider,
                    notification.EventId, notification.Kind, notification.OutTradeNo, notification.AmountFen, outcome);
                return responder.Refused();
            default:
                throw new InvalidOperationException("A notification check is verified or rejected.");
        }
    }

    /// <summary>Applies a verified fact as the order's owner; null when there was nothing to do (an unpaid state).</summary>
    private static async Task<SettlementOutcome?> ApplyAsync(string provider, PaymentNotification notification, IServiceScopeFactory scopes,
        CancellationToken cancellationToken)
    {
        if (await PaymentSettlement.FindOwnerAsync(scopes, provider, notification.OutTradeNo, cancellationToken) is not { } owner)
        {
            return SettlementOutcome.UnknownOrder;
        }
        await using var scope = scopes.CreateTenantScope(owner);
        var settlement = scope.ServiceProvider.GetRequiredService<PaymentSettlement>();
        if (notification.Kind == NotificationKind.Refund)
        {
            if (notification.OutRefundNo is not { Length: > 0 } outRefundNo)
            {
                return SettlementOutcome.UnknownOrder;
            }
            return await settlement.SettleRefundAsync(provider, notification.OutTradeNo, outRefundNo, notification.RefundState ?? RefundState.Processing,
                notification.AmountFen, null, cancellationToken);
        }
        switch (notification.State)
        {
            case TradeState.Paid or TradeState.Refunded:
                return await settlement.SettlePaymentAsync(provider, notification.OutTradeNo, notification.AmountFen, notification.ProviderTradeNo,
                    notification.PaidAt, cancellationToken);
            case TradeState.Closed:
                await settlement.MarkClosedAsync(notification.OutTradeNo, cancellationToken);
                return null;
            case TradeState.NotFound:
                return SettlementOutcome.UnknownOrder;
            default:
                return null;
        }
    }

    private static async Task<ReceivedNotification> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The exact bytes: signatures cover the body as sent, so nothing may parse or re-encode it first.
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        return new ReceivedNotification(headers, body);
    }
}
