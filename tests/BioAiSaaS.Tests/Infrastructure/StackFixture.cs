using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// Boots the real AppHost (host-process PostgreSQL with pgvector and Redis, migrations, Api, Worker,
/// SandboxHost) once for a test collection, on a fresh data folder that is deleted afterwards. Around it run the
/// stand-ins for providers we cannot reach: a real SMTP server and a fake WeChat, both over the wire.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly string _dataDirectory = CreateDataDirectory();

    public const string AdminEmail = "admin@bio.test";
    public const string ConsoleUrl = "http://console.test";

    public DistributedApplication App { get; private set; } = null!;
    /// <summary>The Api as a verified user, through an API key with every scope.</summary>
    public HttpClient Api { get; private set; } = null!;
    /// <summary>The Api with no credentials.</summary>
    public HttpClient AnonymousApi { get; private set; } = null!;
    /// <summary>The verified user behind <see cref="Api"/>.</summary>
    public TestUser DefaultUser { get; private set; } = null!;
    public MailSink Mail { get; } = new();
    public FakeWeChat WeChat { get; private set; } = null!;
    /// <summary>WeChat Pay for the stack's merchant, whose key pair is generated for this run.</summary>
    public FakeWeChatPay WeChatPay { get; private set; } = null!;

    /// <summary>Alipay's gateway, with keys generated for this run; the Api and Worker are its merchant app.</summary>
    public FakeAlipay Alipay { get; private set; } = null!;
    public FakeChatCompletions LanguageModel { get; private set; } = null!;
    public HttpClient Sandbox { get; private set; } = null!;
    public string DatabaseConnectionString { get; private set; } = null!;
    public string RedisConnectionString { get; private set; } = null!;

    /// <summary>Lets a derived fixture change the model (worker replicas, lease length) before it starts.</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public const string ReviewerModel = "scripted-reviewer";
    public const string LargeModel = "scripted-large";

    /// <summary>Whether the stack's services get the scripted language model (<see cref="LanguageModel"/>).</summary>
    protected virtual bool WithLanguageModel => true;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        WeChat = await FakeWeChat.StartAsync();
        LanguageModel = await FakeChatCompletions.StartAsync();
        string merchantKeyPem;
        using (var merchantKey = System.Security.Cryptography.RSA.Create(2048))
        {
            merchantKeyPem = merchantKey.ExportPkcs8PrivateKeyPem();
            WeChatPay = await FakeWeChatPay.StartAsync(merchantKey.ExportSubjectPublicKeyInfoPem(), WeChatPayApiV3Key, TimeProvider.System);
        }
        Alipay = await FakeAlipay.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.BioAiSaaS_AppHost>(
            [
                "--BackingServices:Mode=HostProcesses", $"--BackingServices:DataDirectory={_dataDirectory}",
                "--Smtp:Host=127.0.0.1", $"--Smtp:Port={Mail.Port}", "--Smtp:Security=None",
                $"--WeChat:AppId={FakeWeChat.AppId}", $"--WeChat:AppSecret={FakeWeChat.AppSecret}",
                $"--WeChat:AuthorizeUrl={WeChat.BaseUrl}connect/qrconnect", $"--WeChat:ApiBaseUrl={WeChat.BaseUrl}",
                $"--WeChat:CompletionUrl={ConsoleUrl}/auth/wechat",
                .. (WithLanguageModel
                    ? (string[])[$"--Llm:Endpoint={LanguageModel.BaseAddress}v1", $"--Llm:Model={FakeChatCompletions.Model}", $"--Llm:ApiKey={FakeChatCompletions.ApiKey}",
                        // A model of the reviewer's own, and one more a run may choose for a role.
                        $"--Agents:Roles:reviewer:Model={ReviewerModel}", $"--Llm:AllowedModels:0={LargeModel}",
                        // Identical requests of one tenant are answered from Redis (every test's prompts carry a marker of its own).
                        "--Llm:CacheResponses=true"]
                    : []),
                $"--Accounts:ConsoleUrl={ConsoleUrl}", $"--Accounts:AdminEmails:0={AdminEmail}",
                // Every test comes from 127.0.0.1: per-address limits are raised, except password reset's,
                // which a test floods on purpose. Per-account limits keep their defaults.
                "--RateLimits:Register:PerIp=10000", "--RateLimits:SignIn:PerIp=10000", "--RateLimits:Refresh:PerIp=10000",
                "--RateLimits:VerificationResend:PerIp=10000",
                .. WeChatPayArguments(merchantKeyPem),
                .. AlipayArguments(),
                // Reconciliation looks every second; orders still wait the default minute before it queries them.
                "--Billing:Reconciliation:IntervalSeconds=1",
                // Usage is billed, and ended periods closed, every second (tests age periods instead of waiting a month).
                "--Billing:Usage:IntervalSeconds=1", "--Billing:Cycle:IntervalSeconds=1",
                // Many tests run several project runs of one Free user at once: Free's concurrent-run limit (1) is raised
                // here as the rate limits are; the limit itself is tested on Pro, whose limit stays. Outcomes past their
                // reject window are accepted within a second.
                "--Billing:Runs:ConcurrentRunLimits:free=100", "--Billing:Runs:AutoAcceptIntervalSeconds=1",
            ],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            // Without a dashboard nothing receives telemetry, and the exporters' retries would hold every
            // service's shutdown for ~15 s (the migration runner's exit gates the api and worker).
            builder.CreateResourceBuilder(project)
                .WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }
        Configure(builder);

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in new[] { "postgres", "redis", "sandbox", "api" })
        {
            await WaitForHealthyAsync(resource, timeout.Token);
        }

        AnonymousApi = App.CreateHttpClient("api");
        DefaultUser = await AccountsClient.CreateVerifiedUserAsync(this, "default");
        Api = CreateApiClient(apiKey: await AccountsClient.CreateApiKeyAsync(this, DefaultUser.Tokens.AccessToken, "default tests"));
        Sandbox = App.CreateHttpClient("sandbox");
        // Executions may run up to their own timeout; the default 100 s would cut long sandbox tests short.
        Sandbox.Timeout = TimeSpan.FromMinutes(3);
        DatabaseConnectionString = (await App.GetConnectionStringAsync("postgres", timeout.Token))!;
        RedisConnectionString = (await App.GetConnectionStringAsync("redis", timeout.Token))!;
    }

    public const string WeChatPayApiV3Key = "0123456789abcdefghijklmnopqrstuv";

    /// <summary>Our app's settings against <see cref="Alipay"/>: its gateway, our key pair's private half, its public key.</summary>
    private string[] AlipayArguments()
    {
        var options = Alipay.ClientOptions(new Uri("https://bioaisaas.example/api/payments/alipay/notify"));
        return
        [
            $"--Payments:Alipay:GatewayUrl={options.GatewayUrl}", $"--Payments:Alipay:AppId={options.AppId}",
            $"--Payments:Alipay:SellerId={options.SellerId}", $"--Payments:Alipay:AppPrivateKeyPem={options.AppPrivateKeyPem}",
            $"--Payments:Alipay:AlipayPublicKey={options.AlipayPublicKey}", $"--Payments:Alipay:NotifyUrl={options.NotifyUrl}",
            $"--Payments:Alipay:ReturnUrl={options.ReturnUrl}",
        ];
    }

    /// <summary>The merchant's settings against <see cref="WeChatPay"/>, trusting both of its platform keys.</summary>
    private string[] WeChatPayArguments(string merchantKeyPem) =>
    [
        $"--Payments:WeChatPay:BaseUrl={WeChatPay.BaseUrl}", $"--Payments:WeChatPay:MchId={FakeWeChatPay.MchId}",
        $"--Payments:WeChatPay:AppId={FakeWeChatPay.AppId}", $"--Payments:WeChatPay:MerchantSerialNo={FakeWeChatPay.MerchantSerialNo}",
        $"--Payments:WeChatPay:MerchantPrivateKeyPem={merchantKeyPem}", $"--Payments:WeChatPay:ApiV3Key={WeChatPayApiV3Key}",
        "--Payments:WeChatPay:NotifyUrl=https://bioaisaas.example/api/payments/wechatpay/notify",
        $"--Payments:WeChatPay:PlatformCertificates:0={WeChatPay.PlatformCertificatePem}",
        $"--Payments:WeChatPay:PlatformPublicKeyId={FakeWeChatPay.PublicKeyId}", $"--Payments:WeChatPay:PlatformPublicKeyPem={WeChatPay.PublicKeyPem}",
    ];

    /// <summary>Waits until the resource is healthy, failing at once (not at the timeout) if it stops or never starts.</summary>
    private async Task WaitForHealthyAsync(string resource, CancellationToken cancellationToken)
    {
        string[] dead = [KnownResourceStates.FailedToStart, KnownResourceStates.Exited, KnownResourceStates.Finished];
        var resourceEvent = await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.HealthStatus == HealthStatus.Healthy || dead.Contains(e.Snapshot.State?.Text),
            cancellationToken);
        if (resourceEvent.Snapshot.HealthStatus != HealthStatus.Healthy)
        {
            throw new InvalidOperationException(
                $"Resource '{resource}' is {resourceEvent.Snapshot.State?.Text} instead of healthy; its log is in the test output.");
        }
    }

    private static string CreateDataDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("bioaisaas-test-");
        // PostgreSQL runs as the postgres user, which must be able to enter its data folder's parent.
        directory.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.GroupExecute;
        return directory.FullName;
    }

    /// <summary>A client of the Api carrying an access token or an API key.</summary>
    public HttpClient CreateApiClient(string? accessToken = null, string? apiKey = null)
    {
        var client = App.CreateHttpClient("api");
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        }
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
        return client;
    }

    /// <summary>The connection string the Api and Worker use (the login row-level security applies to).</summary>
    public async Task<string> GetApplicationConnectionStringAsync()
    {
        var password = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
            .Single(p => p.Name == BioAiSaaS.AppHost.BackingServices.ApplicationDatabaseLogin.PasswordParameter);
        return new Npgsql.NpgsqlConnectionStringBuilder(DatabaseConnectionString)
        {
            Username = BioDatabase.ApplicationRole,
            Password = await password.GetValueAsync(TestContext.Current.CancellationToken),
        }.ConnectionString;
    }

    /// <summary>A context like the services' own: the application's login, acting for <paramref name="user"/> under row-level security.</summary>
    public async Task<BioDbContext> CreateTenantDbContextAsync(Guid user, CurrentTenant? tenant = null)
    {
        tenant ??= new CurrentTenant();
        tenant.Set(user);
        var options = new DbContextOptionsBuilder<BioDbContext>();
        BioDatabase.Configure(options, await GetApplicationConnectionStringAsync());
        options.AddInterceptors(new TenantConnectionInterceptor(tenant));
        return new BioDbContext(options.Options);
    }

    public BioDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<BioDbContext>();
        // Retries like the services' contexts do, so a test outlives a database restart it caused.
        BioDatabase.Configure(options, DatabaseConnectionString, npgsql => npgsql.EnableRetryOnFailure());
        return new BioDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        AnonymousApi?.Dispose();
        Sandbox?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        await Mail.DisposeAsync();
        if (LanguageModel is not null)
        {
            await LanguageModel.DisposeAsync();
        }
        if (WeChat is not null)
        {
            await WeChat.DisposeAsync();
        }
        if (Alipay is not null)
        {
            await Alipay.DisposeAsync();
        }
        if (WeChatPay is not null)
        {
            await WeChatPay.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing on its way down; the temp folder is cleaned by the OS eventually.
        }
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
