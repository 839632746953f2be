using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioAiSaaS.Worker.Billing;

public static class BillingJobsExtensions
{
    /// <summary>The ledger, the payment providers, and the reconciliation job.</summary>
    public static IHostApplicationBuilder AddBillingJobs(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ReconciliationOptions>(ReconciliationOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Ledger>();
        builder.Services.AddScoped<PaymentSettlement>();
        builder.Services.AddPaymentProviders(builder.Configuration);
        builder.Services.AddHostedService<PaymentReconciliation>();
        // Outcome-priced runs: the fee is charged where runs end (RunStore); unanswered outcomes are accepted here.
        builder.AddValidatedOptions<RunBillingOptions>(RunBillingOptions.Section);
        builder.Services.AddHostedService<OutcomeAutoAccept>();
        return builder;
    }
}
