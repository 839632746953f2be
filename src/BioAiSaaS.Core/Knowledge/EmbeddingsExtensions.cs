using System.ClientModel;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenAI;

namespace BioAiSaaS.Core.Knowledge;

public static class EmbeddingsExtensions
{
    /// <summary>
    /// Registers the configured <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: the local model by default,
    /// an OpenAI-compatible endpoint when <c>Embeddings:Provider</c> says so. Calls are traced and logged (without
    /// the texts) through the Microsoft.Extensions.AI pipeline. Also registers the <see cref="KnowledgeIndexer"/> that uses it.
    /// </summary>
    public static IHostApplicationBuilder AddEmbeddings(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EmbeddingOptions>(EmbeddingOptions.Section);
        builder.Services.AddEmbeddingGenerator(services => Create(services.GetRequiredService<IOptions<EmbeddingOptions>>().Value))
            .UseOpenTelemetry(sourceName: EmbeddingTelemetry.SourceName)
            .UseLogging();
        builder.Services.AddSingleton<KnowledgeIndexer>();
        return builder;
    }

    private static IEmbeddingGenerator<string, Embedding<float>> Create(EmbeddingOptions options) => options.Provider switch
    {
        EmbeddingProvider.OpenAI => new OpenAIClient(new ApiKeyCredential(options.ApiKey ?? "unused"),
                new OpenAIClientOptions { Endpoint = options.Endpoint })
            .GetEmbeddingClient(options.Model)
            // No "dimensions" in the requests: not every compatible server or model accepts it.
            .AsIEmbeddingGenerator(),
        _ => new LocalEmbeddingGenerator(),
    };
}

public static class EmbeddingTelemetry
{
    public const string SourceName = "BioAiSaaS.Embeddings";
}
