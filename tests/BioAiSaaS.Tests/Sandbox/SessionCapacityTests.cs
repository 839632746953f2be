using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;
using BioAiSaaS.Worker.Sandbox;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>Caps, expiry and host restarts, each on a SandboxHost process of its own with the limits it needs.</summary>
public sealed class SessionCapacityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Past_the_tenant_cap_creation_is_429_and_past_the_host_cap_503_each_with_its_reason()
    {
        await using var host = SandboxHostProcess.Start(new Dictionary<string, string>
        {
            ["Sandbox__MaxSessions"] = "2",
            ["Sandbox__MaxSessionsPerTenant"] = "1",
            ["Sandbox__WarmSessions"] = "1",
        });
        using var http = new HttpClient { BaseAddress = await host.ListeningAsync(Patience) };

        var first = await CreateAsync(http, "alice");
        var secondForAlice = await CreateAsync(http, "alice");
        var firstForBob = await CreateAsync(http, "bob");
        var carol = await CreateAsync(http, "carol");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var tenantProblem = await secondForAlice.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("maximum of 1 sessions", tenantProblem.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, firstForBob.StatusCode);
        var hostProblem = await carol.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("maximum of 2 sessions", hostProblem.Detail, StringComparison.Ordinal);
        Assert.NotNull(carol.Headers.RetryAfter);

        // Ending a session makes room again.
        var aliceSession = (await first.Content.ReadFromJsonAsync<SessionInfo>(Ct))!.Id;
        await http.DeleteAsync(SandboxApi.SessionPath(aliceSession), Ct);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(http, "carol")).StatusCode);
    }

    [Fact]
    public async Task A_session_past_its_hard_lifetime_is_ended_even_while_in_use()
    {
        await using var host = SandboxHostProcess.Start(new Dictionary<string, string>
        {
            ["Sandbox__MaxLifetimeSeconds"] = "6",
            ["Sandbox__SweepIntervalSeconds"] = "1",
            ["Sandbox__WarmSessions"] = "0",
        });
        using var http = new HttpClient { BaseAddress = await host.ListeningAsync(Patience) };
        var client = new SandboxClient(http);
        var session = await client.CreateSessionAsync(new CreateSessionRequest(Tenant: "t"), Ct);

        // Kept busy past the lifetime: the sweep ends it anyway, and the cell with it.
        var cell = await client.ExecuteAsync(session.Id, new ExecutionRequest(SandboxLanguage.Python, "import time\ntime.sleep(30)", 60), Ct);
        var after = await http.GetAsync(SandboxApi.SessionPath(session.Id), Ct);

        Assert.True(cell.SessionEnded);
        Assert.InRange(cell.DurationMs, 1, 20_000);
        var problem = await after.AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Equal(SessionEndReasons.LifetimeExpired, problem.Extensions["reason"]?.ToString());
    }

    [Fact]
    public async Task The_worker_session_recreates_a_session_lost_to_a_host_restart_and_replays_its_inputs()
    {
        var port = SandboxHostProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var client = new SandboxClient(http);
        ReplayableSession session;
        await using (var before = SandboxHostProcess.Start(new Dictionary<string, string>(), port))
        {
            await before.ListeningAsync(Patience);
            session = await client.OpenSessionAsync(new CreateSessionRequest(Tenant: "replay"), Ct);
            await session.UploadAsync("primers.txt", "GATTACA\nTTGACCA\n"u8.ToArray(), Ct);
            await session.ExecuteAsync(Python("primers = open('primers.txt').read().split()\nn = len(primers)"), Ct);
        }
        var lostId = session.Id;

        await using var after = SandboxHostProcess.Start(new Dictionary<string, string>(), port);
        await after.ListeningAsync(Patience);
        var result = await session.ExecuteAsync(Python("f'{n} primers, first {primers[0]}'"), Ct);

        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal("'2 primers, first GATTACA'", result.Value);
        Assert.Equal(1, session.Recreated);
        Assert.NotEqual(lostId, session.Id);
        await session.DisposeAsync();
    }

    [Fact]
    public async Task Without_R_installed_the_host_offers_no_R_and_refuses_R_code_with_a_reason()
    {
        await using var host = SandboxHostProcess.Start(new Dictionary<string, string>
        {
            ["Sandbox__RscriptPath"] = "/nonexistent/Rscript",
            ["Sandbox__WarmSessions"] = "0",
        });
        using var http = new HttpClient { BaseAddress = await host.ListeningAsync(Patience) };

        var capabilities = await http.GetFromJsonAsync<SandboxCapabilities>(SandboxApi.CapabilitiesPath, Ct);
        var refused = await http.PostAsJsonAsync(SandboxApi.ExecutionsPath, new { language = "r", code = "cat(1)" }, Ct);

        Assert.DoesNotContain("r", capabilities!.Languages);
        Assert.Null(capabilities.RVersion);
        await refused.AssertValidationProblemAsync("language");
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient http, string tenant) =>
        http.PostAsJsonAsync(SandboxApi.SessionsPath, new CreateSessionRequest(Tenant: tenant), Ct);

    private static ExecutionRequest Python(string code) => new(SandboxLanguage.Python, code, 20);
}
