using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// OpenAI's <c>POST /v1/embeddings</c> wire format on a real local port; the vector of each input (by its index in the
/// request and its text) comes from the test.
/// </summary>
public sealed class FakeEmbeddingsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeEmbeddingsEndpoint(WebApplication app) => _app = app;

    public List<(string? Authorization, JsonElement Body)> Requests { get; } = [];
    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static async Task<FakeEmbeddingsEndpoint> StartAsync(Func<int, string, float[]> vector)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeEmbeddingsEndpoint(app);
        app.MapPost("/v1/embeddings", async (HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            lock (fake.Requests)
            {
                fake.Requests.Add((request.Headers.Authorization.ToString(), body));
            }
            var inputs = body.GetProperty("input").EnumerateArray().Select(i => i.GetString()!).ToList();
            return Results.Json(new
            {
                @object = "list",
                model = body.GetProperty("model").GetString(),
                data = inputs.Select((text, i) => new
                {
                    @object = "embedding",
                    index = i,
                    embedding = vector(i, text),
                }),
                usage = new { prompt_tokens = inputs.Count, total_tokens = inputs.Count },
            });
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
