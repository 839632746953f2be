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
/// A test scripts other answers for conversations whose user messages contain a marker of its own (tests share it).
/// </summary>
public sealed class FakeChatCompletions : IAsyncDisposable
{
    public const string Model = "scripted-model";
    public const string ApiKey = "sk-test-llm";
    public const string AnswerPrefix = "Scripted answer to: ";

    private readonly WebApplication _app;

    private FakeChatCompletions(WebApplication app) => _app = app;

    public List<(string? Authorization, JsonElement Body)> Requests { get; } = [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<int, string>> _scripts = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new();

    /// <summary>Answers every conversation mentioning <paramref name="marker"/> with <paramref name="reply"/>(n), n = 1, 2 … per call.</summary>
    public void Script(string marker, Func<int, string> reply) => _scripts[marker] = reply;

    /// <summary>The requests of conversations mentioning <paramref name="marker"/>, in order.</summary>
    public List<JsonElement> RequestsFor(string marker)
    {
        lock (Requests)
        {
            return [.. Requests.Select(r => r.Body).Where(b => Mentions(b, marker))];
        }
    }

    private static bool Mentions(JsonElement body, string marker) =>
        body.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "user"
            && m.GetProperty("content").GetString()!.Contains(marker, StringComparison.Ordinal));
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
            var script = fake._scripts.FirstOrDefault(s => Mentions(body, s.Key));
            var answer = script.Value is { } reply
                ? reply(fake._calls.AddOrUpdate(script.Key, 1, (_, n) => n + 1))
                : AnswerPrefix + question;
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
