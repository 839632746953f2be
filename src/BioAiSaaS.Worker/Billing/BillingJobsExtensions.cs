using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Cycles;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioAiSaaS.Worker.Billing;

public static class BillingJobsExtensions
{
    /// <summary>The ledger, the payment providers, the reconciliation job, usage ingestion and the billing cycle.</summary>
    public static IHostApplicationBuilder AddBillingJobs(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ReconciliationOptions>(ReconciliationOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Ledger>();
        builder.Services.AddScoped<PaymentSettlement>();
        builder.Services.AddPaymentProviders(builder.Configuration);
        builder.Services.AddHostedService<PaymentReconciliation>();
        // Metering into money, and billing cycles with invoices (docs/decisions/0010-billing-cycles.md).
        builder.AddValidatedOptions<UsageIngestionOptions>(UsageIngestionOptions.Section);
        builder.AddValidatedOptions<BillingCycleOptions>(BillingCycleOptions.Section);
        builder.Services.AddScoped<RateCardCatalog>();
        builder.Services.AddScoped<SubscriptionService>();
        builder.Services.AddScoped<UsageIngestor>();
        builder.Services.AddScoped<InvoiceBuilder>();
        builder.Services.AddHostedService<UsageIngestion>();
        builder.Services.AddHostedService<BillingCycle>();
        // Outcome-priced runs: the fee is charged where runs end (RunStore); unanswered outcomes are accepted here.
        builder.AddValidatedOptions<RunBillingOptions>(RunBillingOptions.Section);
        builder.Services.AddHostedService<OutcomeAutoAccept>();
        return builder;
    }
}
