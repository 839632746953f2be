using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// A scripted language model speaking OpenAI's <c>POST /v1/chat/completions</c> wire format on a real local port, so
/// the real client path runs: it answers "Scripted answer to: " + the last user message, and counts tokens as words.
/// </summary>
public sealed class FakeChatCompletions : IAsyncDisposable
{
    public const string Model = "scripted-model";
    public const string ApiKey = "sk-test-llm";
    public const string AnswerPrefix = "Scripted answer to: ";

    private readonly WebApplication _app;

    private FakeChatCompletions(WebApplication app) => _app = app;

    public List<(string? Authorization, JsonElement Body)> Requests { get; } = [];
    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static async Task<FakeChatCompletions> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeChatCompletions(app);
        app.MapPost("/v1/chat/completions", async (HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            lock (fake.Requests)
            {
                fake.Requests.Add((request.Headers.Authorization.ToString(), body));
            }
            var messages = body.GetProperty("messages").EnumerateArray().ToList();
            var question = messages.Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString();
            var answer = AnswerPrefix + question;
            var promptTokens = messages.Sum(m => Words(m.GetProperty("content").GetString()));
            var completionTokens = Words(answer);
            return Results.Json(new
            {
                id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                @object = "chat.completion",
                created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                model = body.GetProperty("model").GetString(),
                choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
            });
        });
        await app.StartAsync();
        return fake;
    }

    private static int Words(string? text) => text?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
