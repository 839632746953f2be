using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioAiSaaS.Api.Billing;

/// <summary>Plans, wallet, top-ups, subscriptions and the payment providers' notifications.</summary>
public static class BillingFeature
{
    public static IHostApplicationBuilder AddBillingFeature(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TopUpOptions>(TopUpOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Ledger>();
        builder.Services.AddScoped<PaymentSettlement>();
        builder.Services.AddScoped<SubscriptionService>();
        builder.Services.AddScoped<RateCardCatalog>();
        builder.Services.AddPaymentProviders(builder.Configuration);
        builder.AddRunBilling();
        // Every provider billing knows has its answer format, configured or not: an unconfigured provider's
        // notifications are still answered in the form its servers understand.
        builder.Services.AddKeyedSingleton<INotificationResponder, WeChatPayResponder>(PaymentProviders.WeChatPay);
        builder.Services.AddKeyedSingleton<INotificationResponder, AlipayResponder>(PaymentProviders.Alipay);
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        app.MapPlansApi();
        app.MapWalletApi();
        app.MapTopUpsApi();
        app.MapTopUpRefundsApi();
        app.MapSubscriptionApi();
        app.MapPaymentNotificationsApi();
        app.MapInvoicesApi();
        app.MapRunBillingApi();
        return app;
    }
}
