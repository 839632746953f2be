using System.ClientModel;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenAI;

namespace BioAiSaaS.Core.Knowledge;

public static class EmbeddingsExtensions
{
    /// <summary>The service key of the generator of <c>Embeddings:Previous</c>, during a model switch.</summary>
    public const string PreviousModelKey = "previous";

    /// <summary>
    /// Registers the configured <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: the local model by default,
    /// an OpenAI-compatible endpoint when <c>Embeddings:Provider</c> says so; during a switch, the previous model's
    /// too (keyed <see cref="PreviousModelKey"/>). Calls are traced and logged (without the texts) through the
    /// Microsoft.Extensions.AI pipeline. Also registers <see cref="EmbeddingModels"/>, the <see cref="EmbeddingCoverage"/>
    /// that picks the model searches use, the <see cref="KnowledgeIndexer"/> and the <see cref="KnowledgeSearch"/>.
    /// </summary>
    public static IHostApplicationBuilder AddEmbeddings(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EmbeddingOptions>(EmbeddingOptions.Section);
        builder.Services.AddEmbeddingGenerator(services => Create(services.GetRequiredService<IOptions<EmbeddingOptions>>().Value))
            .UseOpenTelemetry(sourceName: EmbeddingTelemetry.SourceName)
            .UseLogging();
        var switching = builder.Configuration.GetSection(EmbeddingOptions.Section + ":" + nameof(EmbeddingOptions.Previous)).Exists();
        if (switching)
        {
            builder.Services.AddKeyedEmbeddingGenerator(PreviousModelKey,
                    services => Create(services.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Previous!))
                .UseOpenTelemetry(sourceName: EmbeddingTelemetry.SourceName)
                .UseLogging();
        }
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            var current = new EmbeddingModel(options.Model, options.Dimensions,
                services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
            var previous = options.Previous is { } old
                ? new EmbeddingModel(old.Model, old.Dimensions,
                    services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(PreviousModelKey))
                : null;
            return new EmbeddingModels(current, previous);
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EmbeddingCoverage>();
        builder.Services.AddSingleton<KnowledgeIndexer>();
        builder.Services.AddScoped<KnowledgeSearch>();
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
