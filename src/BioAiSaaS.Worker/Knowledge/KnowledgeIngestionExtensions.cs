using BioAiSaaS.Core.Knowledge;

namespace BioAiSaaS.Worker.Knowledge;

public static class KnowledgeIngestionExtensions
{
    public static IHostApplicationBuilder AddKnowledgeIngestion(this IHostApplicationBuilder builder)
    {
        builder.AddEmbeddings();
        builder.Services.AddHostedService<DocumentIngestor>();
        builder.Services.AddSingleton<EmbeddingBackfill>();
        builder.Services.AddHostedService<EmbeddingBackfillService>();
        return builder;
    }
}
