using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>The real SandboxHost binary, started on its own with configuration a shared stack must not have.</summary>
public sealed class SandboxStartupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Host_without_working_isolation_refuses_to_start_and_says_why()
    {
        await using var host = SandboxHostProcess.Start(new Dictionary<string, string>
        {
            ["Sandbox__BwrapPath"] = "/nonexistent/bwrap",
        });

        Assert.NotEqual(0, await host.ExitCodeAsync(Patience));
        Assert.Contains("will not start", host.Log, StringComparison.Ordinal);
        Assert.Contains("Sandbox__AllowUnisolated", host.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_at_capacity_answers_503_with_Retry_After_and_a_reason()
    {
        await using var host = SandboxHostProcess.Start(new Dictionary<string, string>
        {
            ["Sandbox__MaxConcurrentExecutions"] = "1",
            ["Sandbox__QueueWaitSeconds"] = "0",
        });
        using var http = new HttpClient { BaseAddress = await host.ListeningAsync(Patience) };
        var ct = TestContext.Current.CancellationToken;

        var busy = http.PostAsJsonAsync(SandboxApi.ExecutionsPath,
            new ExecutionRequest(SandboxLanguage.Python, "import time\ntime.sleep(3)", 10), ct);
        await Task.Delay(500, ct); // let the first execution take the only slot
        var refused = await http.PostAsJsonAsync(SandboxApi.ExecutionsPath,
            new ExecutionRequest(SandboxLanguage.Python, "print(1)", 10), ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(ct);
        Assert.Equal("The sandbox is at capacity", problem!.Title);
        Assert.Equal(HttpStatusCode.OK, (await busy).StatusCode);
    }
}
