using BioAiSaaS.Core.Hosting;
using BioAiSaaS.SandboxHost.Executions;

namespace BioAiSaaS.SandboxHost.Isolation;

public static class IsolationExtensions
{
    public static IHostApplicationBuilder AddSandboxIsolation(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SandboxOptions>(SandboxOptions.Section);
        builder.Services.AddSingleton<SeccompFilterFile>();
        builder.Services.AddSingleton<ProcessLauncher>();
        builder.Services.AddSingleton<CodeExecutor>();
        builder.Services.AddSingleton<IsolationProbe>();
        // Runs before the server accepts requests: a host that cannot isolate code must not serve any.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IsolationProbe>());
        return builder;
    }
}
