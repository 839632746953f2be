using System.ClientModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using BioAiSaaS.Core.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    /// Registers <see cref="IChatClient"/> when <c>Llm</c> is configured: the OpenAI client behind Microsoft.Extensions.AI
    /// with function invocation, OpenTelemetry (token counts on spans, no prompt or completion text) and logging.
    /// </summary>
    public static IHostApplicationBuilder AddLanguageModel(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<LanguageModelOptions>(LanguageModelOptions.Section);
        var options = builder.Configuration.GetSection(LanguageModelOptions.Section).Get<LanguageModelOptions>() ?? new();
        if (options.IsConfigured)
        {
            builder.Services.AddChatClient(_ => new OpenAIClient(new ApiKeyCredential(options.ApiKey ?? "unused"),
                    new OpenAIClientOptions { Endpoint = options.Endpoint })
                .GetChatClient(options.Model)
                .AsIChatClient())
                .UseFunctionInvocation()
                .UseOpenTelemetry(sourceName: TelemetrySourceName, configure: telemetry => telemetry.EnableSensitiveData = false)
                .UseLogging();
        }
        return builder;
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
