using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioAiSaaS.AppHost;

internal static class ApiAnnouncement
{
    /// <summary>Logs where to reach the API once it is healthy, after the dashboard's own login line.</summary>
    public static IResourceBuilder<ProjectResource> AnnounceWhenReady(this IResourceBuilder<ProjectResource> api)
    {
        api.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(api.Resource, (e, _) =>
        {
            var url = api.GetEndpoint("http").Url;
            e.Services.GetRequiredService<ILogger<ProjectResource>>().LogInformation(
                "BioAiSaaS API ready at {ApiUrl} (API reference: {ApiUrl}/scalar)", url, url);
            return Task.CompletedTask;
        });
        return api;
    }
}
