using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Sandbox;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>Calls the SandboxHost's executions endpoint directly, as the worker does.</summary>
public static class SandboxCalls
{
    public static async Task<ExecutionResult> ExecuteAsync(this HttpClient sandbox, string code,
        SandboxLanguage language = SandboxLanguage.Python, int timeoutSeconds = 20)
    {
        var response = await sandbox.PostAsJsonAsync(SandboxApi.ExecutionsPath,
            new ExecutionRequest(language, code, timeoutSeconds), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ExecutionResult>(TestContext.Current.CancellationToken))!;
    }
}
