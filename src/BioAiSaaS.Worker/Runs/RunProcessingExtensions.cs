using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Worker.Agents;
using BioAiSaaS.Worker.Workflows;

namespace BioAiSaaS.Worker.Runs;

public static class RunProcessingExtensions
{
    public static IHostApplicationBuilder AddRunProcessing(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RunProcessingOptions>(RunProcessingOptions.Section);
        builder.Services.AddSingleton(WorkerIdentity.Create());
        builder.Services.AddScoped<RunStore>();
        builder.Services.AddScoped<RunDispatcher>();
        builder.Services.AddScoped<RunProcessor>();
        // Workflows: their steps call the registered tools, as the run's owner, in the run's project.
        builder.AddValidatedOptions<KnowledgeOptions>(KnowledgeOptions.Section);
        builder.Services.AddResearchTools();
        builder.Services.AddScoped<RunEventLog>();
        builder.Services.AddScoped<UsageRecorder>();
        builder.AddLanguageModel();
        if (builder.Configuration.GetSection(LanguageModelOptions.Section).Get<LanguageModelOptions>()?.IsConfigured == true)
        {
            builder.Services.AddSingleton<RoleAgent>();
        }
        builder.Services.AddSingleton<WorkflowExecutor>();
        builder.Services.AddSingleton<TaskRunPlanner>();
        builder.Services.AddHostedService<RunConsumer>();
        builder.Services.AddHostedService<StrandedRunSweeper>();
        return builder;
    }
}

/// <summary>This process's name in the consumer group and on the runs it claims (host and pid, for operators).</summary>
public sealed record WorkerIdentity(string Id)
{
    public static WorkerIdentity Create() =>
        new($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}");
}
