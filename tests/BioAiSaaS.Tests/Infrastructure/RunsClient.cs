using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>Drives the public runs API the way a client would.</summary>
public static class RunsClient
{
    public static async Task<(HttpResponseMessage Response, RunResponse Run)> SubmitAsync(
        this HttpClient api, string code, int? timeoutSeconds = null)
    {
        var response = await api.PostAsJsonAsync("/api/runs",
            new { language = "python", code, timeoutSeconds }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await response.Content.ReadFromJsonAsync<RunResponse>(TestContext.Current.CancellationToken);
        return (response, run!);
    }

    /// <summary>A new verified user with a project of their own: an API client acting as them, and the project's id.</summary>
    public static async Task<(HttpClient Api, Guid Project)> UserWithProjectAsync(this StackFixture stack, string name)
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, name);
        var api = stack.CreateApiClient(accessToken: user.Tokens.AccessToken);
        var response = await api.PostAsJsonAsync("/api/projects", new { name }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var project = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        return (api, project.GetProperty("id").GetGuid());
    }

    /// <summary>Submits a project run (<c>{"workflow": …}</c> or <c>{"task": …}</c> and choices) that must be accepted.</summary>
    public static async Task<RunResponse> SubmitProjectRunAsync(this HttpClient api, Guid project, object body)
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{project}/runs", body, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RunResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<RunResponse> GetRunAsync(this HttpClient api, Guid id)
    {
        var run = await api.GetFromJsonAsync<RunResponse>($"/api/runs/{id}", TestContext.Current.CancellationToken);
        return run!;
    }

    /// <summary>
    /// Polls until the run finishes, returning every distinct status seen on the way, in order, starting
    /// with the one the submission answered (<paramref name="submitted"/>), when given.
    /// </summary>
    public static async Task<(RunResponse Run, List<RunStatus> Seen)> WaitForFinishAsync(
        this HttpClient api, Guid id, TimeSpan? within = null, RunResponse? submitted = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        var seen = submitted is null ? new List<RunStatus>() : [submitted.Status];
        while (true)
        {
            var run = await api.GetRunAsync(id);
            if (seen.Count == 0 || seen[^1] != run.Status)
            {
                seen.Add(run.Status);
            }
            if (run.Status.IsTerminal())
            {
                return (run, seen);
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Run {id} still {run.Status} after the deadline; statuses seen: {string.Join(" → ", seen)}");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls until the run reaches <paramref name="status"/> (failing the test after 30 s).</summary>
    public static async Task WaitForStatusAsync(this HttpClient api, Guid id, RunStatus status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await api.GetRunAsync(id)).Status != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Run {id} never became {status}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
