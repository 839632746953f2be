using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.AppHost;

internal static class ReadyAnnouncement
{
    /// <summary>
    /// Logs a service's URL once it is healthy, after the dashboard's own login line, so scripts and people
    /// starting the stack from a terminal know where to go without opening the dashboard.
    /// </summary>
    public static IResourceBuilder<T> AnnounceWhenReady<T>(this IResourceBuilder<T> service, string what)
        where T : IResourceWithEndpoints
    {
        service.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(service.Resource, (e, _) =>
        {
            e.Services.GetRequiredService<ILogger<T>>().LogInformation(
                "BioAiSaaS {What} ready at {Url}", what, service.GetEndpoint("http").Url);
            return Task.CompletedTask;
        });
        return service;
    }
}
