using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using BioAiSaaS.Core.Billing.Payments;
using BioAiSaaS.Core.Billing.Payments.WeChatPay;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Tests.Billing.WeChatPay;

/// <summary><c>Payments:WeChatPay</c>: off when absent, complete or refused at start-up, secrets kept out of messages,
/// and the keyed provider registered only when configured.</summary>
public sealed class WeChatPayOptionsTests
{
    private static readonly Lazy<string> MerchantKeyPem = new(() =>
    {
        using var key = RSA.Create(2048);
        return key.ExportPkcs8PrivateKeyPem();
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Without_the_section_nothing_is_registered_and_start_up_validation_passes()
    {
        using var services = Build(new Dictionary<string, string?>());

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.Null(services.GetKeyedService<IPaymentProvider>(WeChatPayProvider.ProviderName));
        Assert.False(services.GetRequiredService<IOptions<WeChatPayOptions>>().Value.IsConfigured);
    }

    [Fact]
    public void Half_configured_merchant_stops_start_up_naming_the_missing_settings()
    {
        using var services = Build(new Dictionary<string, string?> { ["Payments:WeChatPay:MchId"] = "1900000109" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Payments:WeChatPay:MerchantPrivateKeyPem is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Payments:WeChatPay:ApiV3Key is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("NotifyUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("PlatformCertificates or PlatformPublicKeyId", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef", true)]
    [InlineData("0123456789abcdefghijklmnopqrstuv", true)]
    [InlineData("0123456789abcdefghijklmnopqrstu", false)]
    public void Apiv3_key_is_an_aes_key_length_and_a_wrong_one_is_not_repeated_in_the_error(string apiV3Key, bool valid)
    {
        var options = Complete();
        options.ApiV3Key = apiV3Key;

        var errors = Validate(options);

        Assert.Equal(valid, errors.Count == 0);
        Assert.DoesNotContain(errors, e => e.ErrorMessage!.Contains(apiV3Key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0119000001092026030100000000000001", "starts with PUB_KEY_ID_")]
    [InlineData(null, "go together")]
    public void Platform_public_key_needs_its_pub_key_id(string? publicKeyId, string error)
    {
        var options = Complete();
        options.PlatformPublicKeyId = publicKeyId;

        Assert.Contains(Validate(options), e => e.ErrorMessage!.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public void Private_key_that_is_not_a_key_is_refused_without_quoting_it()
    {
        var options = Complete();
        options.MerchantPrivateKeyPem = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----";

        var error = Assert.Single(Validate(options));

        Assert.Contains("MerchantPrivateKeyPem is not an RSA private key", error.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_as_text_leave_out_the_private_key_and_the_apiv3_key()
    {
        var text = Complete().ToString();

        Assert.Contains(FakeWeChatPay.MchId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain(WeChatPayHarness.ApiV3Key, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_section_registers_the_keyed_provider_which_works_against_the_fake()
    {
        await using var harness = await WeChatPayHarness.StartAsync();
        using var services = Build(new Dictionary<string, string?>
        {
            ["Payments:WeChatPay:BaseUrl"] = harness.Fake.BaseUrl.ToString(),
            ["Payments:WeChatPay:MchId"] = FakeWeChatPay.MchId,
            ["Payments:WeChatPay:AppId"] = FakeWeChatPay.AppId,
            ["Payments:WeChatPay:MerchantSerialNo"] = FakeWeChatPay.MerchantSerialNo,
            ["Payments:WeChatPay:MerchantPrivateKeyPem"] = harness.Options.MerchantPrivateKeyPem,
            ["Payments:WeChatPay:ApiV3Key"] = WeChatPayHarness.ApiV3Key,
            ["Payments:WeChatPay:NotifyUrl"] = WeChatPayHarness.NotifyUrl.ToString(),
            ["Payments:WeChatPay:PlatformPublicKeyId"] = FakeWeChatPay.PublicKeyId,
            ["Payments:WeChatPay:PlatformPublicKeyPem"] = harness.Fake.PublicKeyPem,
            ["Payments:WeChatPay:PlatformCertificates:0"] = harness.Fake.PlatformCertificatePem,
        }, harness.Time);
        services.GetRequiredService<IStartupValidator>().Validate();

        var provider = services.GetRequiredKeyedService<IPaymentProvider>(WeChatPayProvider.ProviderName);
        var created = await provider.CreateOrderAsync(new OrderRequest("T_DI_0001", 100, "BioAiSaaS", harness.Time.GetUtcNow().AddHours(1)), Ct);

        Assert.Equal("wechatpay", provider.Name);
        Assert.NotNull(created.QrCodeUrl);
        Assert.Equal(TradeState.Pending, (await provider.QueryOrderAsync("T_DI_0001", Ct)).State);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }
        services.AddWeChatPay(configuration);
        return services.BuildServiceProvider();
    }

    private static WeChatPayOptions Complete()
    {
        var options = WeChatPayHarness.NewOptions(new Uri("https://api.mch.weixin.qq.com"), MerchantKeyPem.Value);
        using var platformKey = RSA.Create(2048);
        options.PlatformPublicKeyId = FakeWeChatPay.PublicKeyId;
        options.PlatformPublicKeyPem = platformKey.ExportSubjectPublicKeyInfoPem();
        return options;
    }

    private static List<ValidationResult> Validate(WeChatPayOptions options)
    {
        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true);
        return errors;
    }
}
