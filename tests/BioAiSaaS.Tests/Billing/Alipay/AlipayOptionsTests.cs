using System.ComponentModel.DataAnnotations;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.Alipay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Tests.Billing.Alipay;

/// <summary><c>Payments:Alipay</c>: optional as a whole, complete and readable when present, and never quoting its secret.</summary>
public sealed class AlipayOptionsTests(AlipayGatewayFixture alipay) : IClassFixture<AlipayGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAlipay(configuration);
        return services.BuildServiceProvider();
    }

    private Dictionary<string, string?> FakeSettings()
    {
        var o = alipay.Gateway.ClientOptions();
        return new()
        {
            ["Payments:Alipay:GatewayUrl"] = o.GatewayUrl!.ToString(),
            ["Payments:Alipay:AppId"] = o.AppId,
            ["Payments:Alipay:SellerId"] = o.SellerId,
            ["Payments:Alipay:AppPrivateKeyPem"] = o.AppPrivateKeyPem,
            ["Payments:Alipay:AlipayPublicKey"] = o.AlipayPublicKey,
            ["Payments:Alipay:NotifyUrl"] = o.NotifyUrl!.ToString(),
        };
    }

    private static List<ValidationResult> Validate(AlipayOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Without_an_app_id_there_is_no_alipay_provider_and_nothing_to_complain_about()
    {
        using var services = Services([]);

        Assert.Empty(services.GetServices<IPaymentProvider>());
        Assert.False(services.GetRequiredService<IOptions<AlipayOptions>>().Value.IsConfigured);
    }

    [Fact]
    public async Task Configured_the_provider_is_registered_as_alipay_and_talks_to_the_gateway()
    {
        using var services = Services(FakeSettings());

        var provider = Assert.Single(services.GetServices<IPaymentProvider>());
        Assert.Equal("alipay", provider.Name);
        Assert.Same(provider.GetType(), services.GetRequiredKeyedService<IPaymentProvider>("alipay").GetType());
        var order = alipay.Order(100) with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(15) }; // this provider runs on the system clock
        var created = await provider.CreateOrderAsync(order, Ct);
        Assert.NotNull(created.QrCodeUrl);
    }

    [Fact]
    public void An_unreadable_private_key_fails_validation_by_name_without_quoting_the_key()
    {
        const string secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-really-a-key";
        var settings = FakeSettings();
        settings["Payments:Alipay:AppPrivateKeyPem"] = secret;
        using var services = Services(settings);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AlipayOptions>>().Value);

        Assert.Contains("AppPrivateKeyPem", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MIIEvQ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_without_an_app_id_are_a_configuration_error()
    {
        var options = alipay.Gateway.ClientOptions();
        options.AppId = null;

        Assert.Contains(Validate(options), r => r.MemberNames.Contains(nameof(AlipayOptions.AppId)));
    }

    [Fact]
    public void A_complete_configuration_is_valid_and_each_missing_or_bad_part_is_named()
    {
        Assert.Empty(Validate(alipay.Gateway.ClientOptions()));

        void AssertNames(string member, Action<AlipayOptions> spoil)
        {
            var options = alipay.Gateway.ClientOptions();
            spoil(options);
            Assert.Contains(Validate(options), r => r.MemberNames.Contains(member));
        }

        AssertNames(nameof(AlipayOptions.AppId), o => o.AppId = "app-2021");
        AssertNames(nameof(AlipayOptions.AlipayPublicKey), o => o.AlipayPublicKey = null);
        AssertNames(nameof(AlipayOptions.AlipayPublicKey), o => o.AlipayPublicKey = o.AppPrivateKeyPem);
        AssertNames(nameof(AlipayOptions.NotifyUrl), o => o.NotifyUrl = null);
        AssertNames(nameof(AlipayOptions.NotifyUrl), o => o.NotifyUrl = new Uri("/notify", UriKind.Relative));
        AssertNames(nameof(AlipayOptions.SellerId), o => o.SellerId = "1234");
        AssertNames(nameof(AlipayOptions.GatewayUrl), o => o.GatewayUrl = new Uri("http://alipay.example/gateway.do"));
    }

    [Fact]
    public void The_sandbox_switch_chooses_the_default_gateway_and_an_explicit_one_wins()
    {
        Assert.Equal(new Uri(AlipayOptions.ProductionGatewayUrl), new AlipayOptions().EffectiveGatewayUrl);
        Assert.Equal(new Uri("https://openapi-sandbox.dl.alipaydev.com/gateway.do"), new AlipayOptions { Sandbox = true }.EffectiveGatewayUrl);
        Assert.Equal(alipay.Gateway.GatewayUrl, new AlipayOptions { Sandbox = true, GatewayUrl = alipay.Gateway.GatewayUrl }.EffectiveGatewayUrl);
    }

    [Fact]
    public void The_options_text_never_contains_the_private_key()
    {
        var options = alipay.Gateway.ClientOptions();

        var text = options.ToString();

        Assert.Contains(FakeAlipay.AppId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(options.AppPrivateKeyPem!.Split('\n')[1], text, StringComparison.Ordinal);
    }
}
