using BioAiSaaS.Core.Hosting;
using BioAiSaaS.SandboxHost.Sessions;

namespace BioAiSaaS.SandboxHost.Isolation;

public static class IsolationExtensions
{
    public static IHostApplicationBuilder AddSandboxIsolation(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SandboxOptions>(SandboxOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SeccompFilterFile>();
        builder.Services.AddSingleton<ProcessLauncher>();
        builder.Services.AddSingleton<HostActivity>();
        builder.Services.AddSingleton<KernelPool>();
        builder.Services.AddSingleton<SessionManager>();
        builder.Services.AddSingleton<IsolationProbe>();
        // Hosted services start in this order. The probe runs before the server accepts requests: a host that
        // cannot isolate code must not serve any. Only then is the pool warmed.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IsolationProbe>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KernelPool>());
        builder.Services.AddHostedService<SessionSweeper>();
        return builder;
    }
}
