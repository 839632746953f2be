using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Core.Billing.Payments.WeChatPay;

public static class WeChatPayServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Payments:WeChatPay</c> (validated at start-up, so a half-configured merchant stops the service with
    /// the missing setting's name) and, when it is configured, registers the provider as the
    /// <see cref="IPaymentProvider"/> keyed <see cref="WeChatPayProvider.ProviderName"/>, a typed HttpClient. Without the
    /// section nothing else is registered and the service runs without WeChat Pay.
    /// </summary>
    public static IServiceCollection AddWeChatPay(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(WeChatPayOptions.Section);
        services.AddOptions<WeChatPayOptions>()
            .Bind(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = new WeChatPayOptions();
        section.Bind(options);
        if (!options.IsConfigured)
        {
            return services;
        }
        services.TryAddSingleton(TimeProvider.System);
        // Parsed once: RSA keys and certificates are costly to import and hold no per-request state.
        services.TryAddSingleton(sp => new WeChatPayCredentials(sp.GetRequiredService<IOptions<WeChatPayOptions>>().Value));
        // Where the service defaults add the standard resilience handler, a retry re-sends the same signed request;
        // WeChat Pay treats these calls idempotently (the order and refund numbers are the keys), so that is safe.
        services.AddHttpClient<WeChatPayProvider>();
        services.AddKeyedTransient<IPaymentProvider>(WeChatPayProvider.ProviderName, (sp, _) => sp.GetRequiredService<WeChatPayProvider>());
        return services;
    }
}
