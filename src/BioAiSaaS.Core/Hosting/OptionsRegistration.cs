using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BioAiSaaS.Core.Hosting;

public static class OptionsRegistration
{
    /// <summary>Binds options from a configuration section and validates their data annotations at start-up,
    /// so a bad setting stops the service with its name instead of failing the first request that reads it.</summary>
    public static IHostApplicationBuilder AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section)
        where TOptions : class
    {
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
