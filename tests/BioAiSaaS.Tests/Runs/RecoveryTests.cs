using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BioAiSaaS.Tests.Runs;

/// <summary>Crashes lose nothing: a killed worker and a stopped Redis, with the real processes.</summary>
[Collection(RecoveryCollection.Name)]
public sealed class RecoveryTests(RecoveryStackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_whose_worker_is_killed_mid_run_is_finished_by_another_worker_exactly_once()
    {
        var (_, submitted) = await stack.Api.SubmitAsync(
            "import time\nprint('start', flush=True)\ntime.sleep(4)\nprint('done')", timeoutSeconds: 30);
        var firstWorker = await WaitForWorkerAsync(submitted.Id);

        // SIGKILL: no shutdown hook runs, the lease is simply never renewed again.
        var pid = int.Parse(firstWorker.Split(':')[1], CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
        }

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id, TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("start\ndone\n", run.Result!.Stdout);
        Assert.Equal(2, run.Attempts);
        await using var db = stack.CreateDbContext();
        var stored = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == submitted.Id, Ct);
        Assert.NotEqual(firstWorker, stored.WorkerId);
        // Acknowledged once the result was stored: nothing of it is left pending in the queue.
        Assert.Equal(0, await PendingEntriesAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Workflow_whose_worker_is_killed_mid_step_resumes_without_rerunning_finished_steps_or_repeating_events()
    {
        var project = (await (await stack.Api.PostAsJsonAsync("/api/projects", new { name = "recovery" }, Ct))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("id").GetGuid();
        var response = await stack.Api.PostAsJsonAsync($"/api/projects/{project}/runs", new
        {
            workflow = new
            {
                steps = new object[]
                {
                    new { id = "first", kind = "code", code = "x = 5" },
                    new { id = "slow", kind = "code", code = "import time\ntime.sleep(4)\nprint(x)", dependsOn = Strings("first") },
                    new { id = "last", kind = "retrieve", query = "PCR primer design", dependsOn = Strings("slow") },
                },
            },
        }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var submitted = (await response.Content.ReadFromJsonAsync<BioAiSaaS.Api.Runs.RunResponse>(Ct))!;
        var firstWorker = await WaitForWorkerAsync(submitted.Id);
        await WaitForStepAsync(submitted.Id, "slow", StepStatus.Running);

        using (var process = Process.GetProcessById(int.Parse(firstWorker.Split(':')[1], CultureInfo.InvariantCulture)))
        {
            process.Kill();
        }
        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id, TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Attempts);
        var steps = run.Steps!.ToDictionary(s => s.Id);
        Assert.Equal(1, steps["first"].Attempts); // finished before the crash: not run again
        Assert.Equal(2, steps["slow"].Attempts);
        Assert.Equal("5\n", steps["slow"].Output!.Value.GetProperty("stdout").GetString()); // the new session got x back
        var events = await stack.Api.ReadToEndAsync($"/api/runs/{submitted.Id}/events");
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.Single(events, e => e.Type == RunEventTypes.RunStarted);
        Assert.Single(events, e => e.Type == RunEventTypes.PlanCreated);
        Assert.Single(events, e => e.Type == RunEventTypes.StepFinished && e.Data.GetProperty("stepName").GetString() == "first");
        Assert.Equal(2, events.Count(e => e.Type == RunEventTypes.StepStarted && e.Data.GetProperty("stepName").GetString() == "slow"));
        Assert.Equal(RunEventTypes.RunFinished, events[^1].Type);
    }

    private static string[] Strings(params string[] items) => items;

    private async Task WaitForStepAsync(Guid runId, string step, StepStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = stack.CreateDbContext();
            if (await db.RunSteps.AnyAsync(s => s.RunId == runId && s.StepId == step && s.Status == status, Ct))
            {
                return;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException($"Step {step} of run {runId} never became {status}.");
    }

    [Fact]
    public async Task Run_accepted_while_Redis_is_down_is_executed_once_Redis_is_back()
    {
        await StopAsync("redis");
        Guid accepted;
        try
        {
            var (_, submitted) = await stack.Api.SubmitAsync("print('survived')");
            accepted = submitted.Id;
            await using var db = stack.CreateDbContext();
            var stored = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == submitted.Id, Ct);
            Assert.Equal(RunStatus.Queued, stored.Status);
            Assert.Null(stored.DispatchedAt);
        }
        finally
        {
            await StartAsync("redis");
        }

        var (run, _) = await stack.Api.WaitForFinishAsync(accepted, TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("survived\n", run.Result!.Stdout);
        Assert.Equal(1, run.Attempts);
    }

    [Fact]
    public async Task Sign_in_refresh_and_authenticated_reads_keep_working_while_Redis_is_down()
    {
        var user = await AccountsClient.CreateVerifiedUserAsync(stack, "redis-down");
        await StopAsync("redis");
        try
        {
            var started = Stopwatch.StartNew();
            var tokens = await stack.AnonymousApi.SignInAsync(user.Email);
            var refreshed = await (await stack.AnonymousApi.PostAsJsonAsync("/api/auth/refresh",
                new { refreshToken = tokens.RefreshToken }, Ct)).ReadAsync<BioAiSaaS.Api.Auth.TokenResponse>();
            using var client = stack.CreateApiClient(refreshed.AccessToken);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/runs", Ct)).StatusCode);
            // Limits and revocation checks fail open at once instead of waiting for Redis timeouts.
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        }
        finally
        {
            await StartAsync("redis");
        }
    }

    [Fact]
    public async Task Run_in_flight_while_PostgreSQL_restarts_still_finishes()
    {
        var (_, submitted) = await stack.Api.SubmitAsync(
            "import time\ntime.sleep(3)\nprint('outlived the database restart')", timeoutSeconds: 30);
        await WaitForWorkerAsync(submitted.Id);

        await RestartAsync("postgres");

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("outlived the database restart\n", run.Result!.Stdout);
    }

    [Fact]
    public async Task Requests_while_PostgreSQL_is_down_get_503_with_Retry_After_and_accept_nothing()
    {
        var (_, before) = await stack.Api.SubmitAsync("print('before')");
        await StopAsync("postgres");
        HttpResponseMessage read, submit;
        try
        {
            read = await stack.Api.GetAsync($"/api/runs/{before.Id}", Ct);
            submit = await stack.Api.PostAsJsonAsync("/api/runs", new { language = "python", code = "print('during')" }, Ct);
        }
        finally
        {
            await StartAsync("postgres");
        }

        foreach (var response in new[] { read, submit })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
        }
        await using var db = stack.CreateDbContext();
        Assert.False(await db.Runs.AnyAsync(r => r.Code == "print('during')", Ct));
    }

    private async Task RestartAsync(string name)
    {
        await StopAsync(name);
        await StartAsync(name);
    }

    private async Task StopAsync(string name)
    {
        await Commands.ExecuteCommandAsync(Resource(name), KnownResourceCommands.StopCommand, Ct);
        await stack.App.ResourceNotifications.WaitForResourceAsync(name, [KnownResourceStates.Exited, KnownResourceStates.Finished], Ct);
    }

    private async Task StartAsync(string name)
    {
        await Commands.ExecuteCommandAsync(Resource(name), KnownResourceCommands.StartCommand, Ct);
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(name, Ct);
    }

    private ResourceCommandService Commands => stack.App.Services.GetRequiredService<ResourceCommandService>();

    private IResource Resource(string name) =>
        stack.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    private async Task<string> WaitForWorkerAsync(Guid runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = stack.CreateDbContext();
            var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
            if (run is { Status: RunStatus.Running, WorkerId: { } worker })
            {
                return worker;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException($"Run {runId} never started running.");
    }

    private async Task<long> PendingEntriesAsync(TimeSpan within)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var pending = await redis.GetDatabase().StreamPendingAsync(RunQueue.StreamKey, RunQueue.ConsumerGroup);
            if (pending.PendingMessageCount == 0 || DateTime.UtcNow > deadline)
            {
                return pending.PendingMessageCount;
            }
            await Task.Delay(200, Ct);
        }
    }
}
