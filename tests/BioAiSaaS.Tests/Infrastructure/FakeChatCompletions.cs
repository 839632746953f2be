using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>One request as a script sees it: the call's number among its marker's, the system prompt, the messages.</summary>
public sealed record ScriptedRequest(int Call, string System, IReadOnlyList<JsonElement> Messages, string Model)
{
    /// <summary>The content of the last tool message (a function's result), if the conversation has one.</summary>
    public string? LastToolResult => Messages.LastOrDefault(m => m.GetProperty("role").GetString() == "tool") is { ValueKind: JsonValueKind.Object } tool
        ? tool.GetProperty("content").GetString()
        : null;

    public int ToolResults => Messages.Count(m => m.GetProperty("role").GetString() == "tool");
}

/// <summary>What the scripted model answers: text, function calls, reasoning (streamed as <c>reasoning_content</c>),
/// or an HTTP error status.</summary>
public sealed record ScriptedReply(string? Text = null, IReadOnlyList<ScriptedCall>? Calls = null, string? Reasoning = null, int? Status = null)
{
    public static ScriptedReply Say(string text, string? reasoning = null) => new(text, Reasoning: reasoning);

    public static ScriptedReply Call(string function, object arguments) => new(Calls: [new ScriptedCall(function, arguments)]);
}

public sealed record ScriptedCall(string Function, object Arguments);

/// <summary>
/// A scripted language model speaking OpenAI's <c>POST /v1/chat/completions</c> wire format on a real local port, so
/// the real client path runs, plain or streamed (<c>stream: true</c>, as server-sent chunks with a closing usage chunk):
/// it answers "Scripted answer to: " + the last user message, and counts tokens as words. A test scripts other answers
/// (text, function calls, reasoning, errors) for conversations whose user messages contain a marker of its own (tests
/// share the server); when several markers match, the longest wins.
/// </summary>
public sealed class FakeChatCompletions : IAsyncDisposable
{
    public const string Model = "scripted-model";
    public const string ApiKey = "sk-test-llm";
    public const string AnswerPrefix = "Scripted answer to: ";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<ScriptedRequest, ScriptedReply>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _calls = new();

    private FakeChatCompletions(WebApplication app) => _app = app;

    public List<(string? Authorization, JsonElement Body)> Requests { get; } = [];

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    /// <summary>Answers every conversation mentioning <paramref name="marker"/> with <paramref name="reply"/>(n), n = 1, 2 … per call.</summary>
    public void Script(string marker, Func<int, string> reply) => _scripts[marker] = request => ScriptedReply.Say(reply(request.Call));

    /// <summary>Answers conversations mentioning <paramref name="marker"/> as <paramref name="reply"/> decides from the request.</summary>
    public void Script(string marker, Func<ScriptedRequest, ScriptedReply> reply) => _scripts[marker] = reply;

    /// <summary>The requests of conversations mentioning <paramref name="marker"/>, in order.</summary>
    public List<JsonElement> RequestsFor(string marker)
    {
        lock (Requests)
        {
            return [.. Requests.Select(r => r.Body).Where(b => Mentions(b, marker))];
        }
    }

    private static IEnumerable<string> UserTexts(JsonElement body) => body.GetProperty("messages").EnumerateArray()
        .Where(m => m.GetProperty("role").GetString() == "user")
        .Select(m => Text(m.GetProperty("content")));

    private static bool Mentions(JsonElement body, string marker) => UserTexts(body).Any(t => t.Contains(marker, StringComparison.Ordinal));

    /// <summary>A message's text, whether sent as a string or as content parts.</summary>
    private static string Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : "")),
        _ => "",
    };

    public static async Task<FakeChatCompletions> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeChatCompletions(app);
        app.MapPost("/v1/chat/completions", fake.AnswerAsync);
        await app.StartAsync();
        return fake;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
        lock (Requests)
        {
            Requests.Add((context.Request.Headers.Authorization.ToString(), body));
        }
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        var model = body.GetProperty("model").GetString()!;
        var script = _scripts.Where(s => Mentions(body, s.Key)).OrderByDescending(s => s.Key.Length).FirstOrDefault();
        var reply = script.Value is { } answer
            ? answer(new ScriptedRequest(_calls.AddOrUpdate(script.Key, 1, (_, n) => n + 1),
                messages.Where(m => m.GetProperty("role").GetString() == "system").Select(m => Text(m.GetProperty("content"))).FirstOrDefault() ?? "",
                messages, model))
            : ScriptedReply.Say(AnswerPrefix + UserTexts(body).Last());
        if (reply.Status is { } status)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { error = new { message = $"Scripted failure {status}", type = "server_error" } });
            return;
        }

        var promptTokens = messages.Sum(m => m.TryGetProperty("content", out var c) ? Words(Text(c)) : 0);
        var completionTokens = Words(reply.Text) + Words(reply.Reasoning) + (reply.Calls?.Count ?? 0) * 10;
        var usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens };
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var calls = (reply.Calls ?? []).Select((c, i) => new
        {
            index = i,
            id = $"call_{Guid.NewGuid():N}",
            type = "function",
            function = new { name = c.Function, arguments = JsonSerializer.Serialize(c.Arguments) },
        }).ToList();
        var finish = calls.Count > 0 ? "tool_calls" : "stop";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (!(body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id, @object = "chat.completion", created, model,
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        message = new { role = "assistant", content = reply.Text, reasoning_content = reply.Reasoning, tool_calls = calls.Count > 0 ? calls : null },
                        finish_reason = finish,
                    },
                },
                usage,
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        async Task ChunkAsync(object delta, string? finishReason = null) => await SendAsync(context, new
        {
            id, @object = "chat.completion.chunk", created, model,
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        });
        await ChunkAsync(new { role = "assistant", content = "" });
        foreach (var piece in Pieces(reply.Reasoning))
        {
            await ChunkAsync(new { reasoning_content = piece });
        }
        foreach (var piece in Pieces(reply.Text))
        {
            await ChunkAsync(new { content = piece });
        }
        foreach (var call in calls)
        {
            await ChunkAsync(new { tool_calls = new[] { call } });
        }
        await ChunkAsync(new { }, finish);
        await SendAsync(context, new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage });
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task SendAsync(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    /// <summary>Text in pieces of a few words, as models stream it.</summary>
    private static IEnumerable<string> Pieces(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        for (var start = 0; start < text.Length; start += 16)
        {
            yield return text.Substring(start, Math.Min(16, text.Length - start));
        }
    }

    private static int Words(string? text) => text?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
