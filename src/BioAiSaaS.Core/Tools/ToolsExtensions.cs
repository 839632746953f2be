using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Core.Tools;

public static class ToolsExtensions
{
    /// <summary>Registers the <see cref="ToolRegistry"/> with every tool, and the scoped <see cref="ToolContext"/> tools read.</summary>
    public static IServiceCollection AddResearchTools(this IServiceCollection services)
    {
        services.AddSingleton(KnowledgeTools.SearchKnowledge);
        foreach (var tool in DocumentTools.All)
        {
            services.AddSingleton(tool);
        }
        foreach (var tool in Bio.SequenceTools.All.Concat(Bio.PrimerTools.All).Concat(Bio.ProteinTools.All).Concat(Bio.RestrictionTools.All)
                     .Concat(Bio.MotifTools.All).Concat(Bio.AlignmentTools.All).Concat(Bio.CodonTools.All).Concat(Bio.CrisprTools.All))
        {
            services.AddSingleton(tool);
        }
        services.AddSingleton<ToolRegistry>();
        services.AddScoped<ToolContext>();
        return services;
    }
}
