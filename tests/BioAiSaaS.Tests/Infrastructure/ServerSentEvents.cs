using System.Globalization;
using System.Net;
using System.Text.Json;

namespace BioAiSaaS.Tests.Infrastructure;

public sealed record ReceivedEvent(long Id, string Type, JsonElement Data);

/// <summary>Reads a text/event-stream response the way a browser's EventSource does (id, event, data lines).</summary>
public static class ServerSentEvents
{
    /// <summary>Every event until the server closes the stream (or <paramref name="within"/> passes: then the test fails).</summary>
    public static async Task<List<ReceivedEvent>> ReadToEndAsync(this HttpClient api, string url, long? lastEventId = null, TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within ?? TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
        }
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<ReceivedEvent>();
        (long? Id, string? Type, string? Data) current = default;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (current.Data is not null)
                {
                    events.Add(new ReceivedEvent(current.Id ?? 0, current.Type ?? "message", JsonDocument.Parse(current.Data).RootElement.Clone()));
                }
                current = default;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                current.Id = long.Parse(line[4..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                current.Type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                current.Data = current.Data is null ? line[6..] : current.Data + "\n" + line[6..];
            }
        }
        return events;
    }
}
