using BioAiSaaS.Core.Billing.Payments.Alipay;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Core.Billing.Payments;

/// <summary>
/// The payment providers billing knows by name. Each registers itself as a keyed <see cref="IPaymentProvider"/> when
/// its <c>Payments:*</c> section is configured; billing resolves providers by name only, so a provider plugs in
/// with its one registration line here.
/// </summary>
public static class PaymentProviders
{
    public const string WeChatPay = WeChatPayProvider.ProviderName;
    public const string Alipay = AlipayPaymentProvider.ProviderName;

    /// <summary>Names a client may ask for; whether each is configured is decided at run time.</summary>
    public static readonly IReadOnlyList<string> Known = [WeChatPay, Alipay];

    public static IServiceCollection AddPaymentProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddWeChatPay(configuration);
        services.AddAlipay(configuration);
        return services;
    }

    /// <summary>The configured provider called <paramref name="name"/>, or null.</summary>
    public static IPaymentProvider? Find(IServiceProvider services, string name) =>
        Known.Contains(name) ? services.GetKeyedService<IPaymentProvider>(name) : null;
}
