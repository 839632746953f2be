using Microsoft.Extensions.Configuration;

namespace BioAiSaaS.AppHost;

public static class ConfigurationForwarding
{
    /// <summary>
    /// Hands the named sections of the AppHost's own configuration (appsettings, user-secrets, command line)
    /// to a service as environment variables, so one place configures the whole stack locally and the tests
    /// can point the Api at their fake WeChat and SMTP servers.
    /// </summary>
    public static IResourceBuilder<T> WithConfigurationSections<T>(this IResourceBuilder<T> service, params string[] sections)
        where T : IResourceWithEnvironment
    {
        var configuration = service.ApplicationBuilder.Configuration;
        return service.WithEnvironment(context =>
        {
            foreach (var section in sections)
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
                {
                    if (value is not null)
                    {
                        context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                    }
                }
            }
        });
    }
}
