using System.ClientModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenAI;

namespace BioAiSaaS.Core.Agents;

/// <summary>
/// The language model, bound from the <c>Llm</c> section: any OpenAI-compatible chat-completions endpoint (OpenAI,
/// Azure OpenAI, DeepSeek, Qwen's compatible mode, Ollama, vLLM). Without <see cref="Endpoint"/> and
/// <see cref="Model"/> there is none, and what needs one says so.
/// </summary>
public sealed class LanguageModelOptions : IValidatableObject
{
    public const string Section = "Llm";

    public Uri? Endpoint { get; set; }
    public string? Model { get; set; }
    /// <summary>A secret: from user-secrets or the environment, never from a file in the repository.</summary>
    public string? ApiKey { get; set; }

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Model);

    /// <summary>
    /// Whether identical requests (same messages, options and tenant) are answered from Redis instead of the model.
    /// Off by default: it suits deterministic settings (temperature 0) and repeated analyses; cached answers are not
    /// billed as tokens.
    /// </summary>
    public bool CacheResponses { get; set; }

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Models besides <see cref="Model"/> and the roles' that a run may choose for a role.</summary>
    public List<string> AllowedModels { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((Endpoint is null) != string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult("Llm:Endpoint and Llm:Model go together: set both, or neither.", [nameof(Endpoint), nameof(Model)]);
        }
    }
}

public static class LanguageModelExtensions
{
    public const string TelemetrySourceName = "BioAiSaaS.LanguageModel";

    /// <summary>
    /// Registers <see cref="LanguageModels"/> and the default model's <see cref="IChatClient"/> when <c>Llm</c> is
    /// configured, and the agent's options (<c>Agents</c>) either way.
    /// </summary>
    public static IHostApplicationBuilder AddLanguageModel(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<LanguageModelOptions>(LanguageModelOptions.Section);
        builder.AddValidatedOptions<AgentOptions>(AgentOptions.Section);
        var options = builder.Configuration.GetSection(LanguageModelOptions.Section).Get<LanguageModelOptions>() ?? new();
        if (options.IsConfigured)
        {
            builder.Services.AddSingleton<LanguageModels>();
            builder.Services.AddSingleton(services => services.GetRequiredService<LanguageModels>().For(null));
        }
        return builder;
    }
}

/// <summary>
/// One chat client per model name on the configured endpoint, built once: the roles may use different models (a
/// small one to review, a strong one to analyse). Each is the OpenAI client behind Microsoft.Extensions.AI with
/// function invocation, OpenTelemetry (token counts on spans, no prompt or completion text) and logging.
/// </summary>
public sealed class LanguageModels(IOptions<LanguageModelOptions> options, IOptions<AgentOptions> agents, IServiceProvider services)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);

    public string DefaultModel => options.Value.Model!;

    /// <summary>The model a role uses in a run: the run's choice, else the role's configured model, else the default.</summary>
    public string ModelFor(string role, IReadOnlyDictionary<string, string>? runChoices) =>
        runChoices?.GetValueOrDefault(role) ?? agents.Value.For(role).Model ?? DefaultModel;

    public IChatClient For(string? model) => _clients.GetOrAdd(model ?? DefaultModel, Build);

    /// <summary>Whether responses are cached, so a conversation must tell real calls from cached ones (<see cref="CacheProbe"/>).</summary>
    public bool CachesResponses => options.Value.CacheResponses;

    // Outermost first: function invocation loops over model calls; each call may be answered by the cache; only calls
    // that get past it are counted, traced and logged.
    private IChatClient Build(string model)
    {
        var pipeline = new OpenAIClient(new ApiKeyCredential(options.Value.ApiKey ?? "unused"), new OpenAIClientOptions { Endpoint = options.Value.Endpoint })
            .GetChatClient(model)
            .AsIChatClient()
            .AsBuilder()
            .UseFunctionInvocation(configure: invocation =>
            {
                invocation.MaximumIterationsPerRequest = 12;
                // Our tools' errors (a bad argument, an unknown document) are for the model to read and correct.
                invocation.IncludeDetailedErrors = true;
            });
        if (options.Value.CacheResponses)
        {
            var store = new RedisResponseStore(services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), options.Value.CacheLifetime);
            pipeline = pipeline.Use(inner => new TenantResponseCache(inner, store)).Use(inner => new RealCallCounter(inner));
        }
        return pipeline
            .UseOpenTelemetry(sourceName: LanguageModelExtensions.TelemetrySourceName, configure: telemetry => telemetry.EnableSensitiveData = false)
            .UseLogging()
            .Build(services);
    }
}

/// <summary>Instructions kept as versioned files (<c>Agents/Prompts/*.md</c>, embedded), not as literals in code.</summary>
public static class Prompts
{
    public static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"BioAiSaaS.Core.Agents.Prompts.{name}.md")
            ?? throw new InvalidOperationException($"There is no prompt '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
