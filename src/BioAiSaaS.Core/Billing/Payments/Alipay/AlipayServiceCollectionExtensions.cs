using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Core.Billing.Payments.Alipay;

public static class AlipayServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Payments:Alipay</c> (validated at start-up, so a bad key stops the service with its name) and, when
    /// an AppId is configured, registers the Alipay client as an <see cref="IPaymentProvider"/> — among the others
    /// and keyed <c>"alipay"</c>. Without an AppId nothing but the options is registered.
    /// </summary>
    public static IServiceCollection AddAlipay(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AlipayOptions.Section);
        services.AddOptions<AlipayOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        if (!(section.Get<AlipayOptions>()?.IsConfigured ?? false))
        {
            return services;
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => AlipayAccount.Create(sp.GetRequiredService<IOptions<AlipayOptions>>().Value));
        services.AddHttpClient<AlipayPaymentProvider>(http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddTransient<IPaymentProvider>(sp => sp.GetRequiredService<AlipayPaymentProvider>());
        services.AddKeyedTransient<IPaymentProvider>(AlipayPaymentProvider.ProviderName,
            (sp, _) => sp.GetRequiredService<AlipayPaymentProvider>());
        return services;
    }
}
