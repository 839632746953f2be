using BioAiSaaS.Core.Sandbox;
using Microsoft.Extensions.Http.Resilience;

namespace BioAiSaaS.Worker.Sandbox;

/// <summary>Calls the SandboxHost, found by service discovery as <c>http://sandbox</c>.</summary>
public sealed class SandboxClient(HttpClient http)
{
    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(SandboxApi.ExecutionsPath, request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ExecutionResult>(cancellationToken)
               ?? throw new InvalidOperationException("The sandbox answered with an empty body.");
    }
}

public static class SandboxClientExtensions
{
    public const string ServiceName = "sandbox";

    public static IHostApplicationBuilder AddSandboxClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<SandboxClient>(http => http.BaseAddress = new Uri($"https+http://{ServiceName}"));

        // The standard resilience handler (from ServiceDefaults) times attempts out after 10 s; an
        // execution may legitimately take the longest allowed timeout, so its pipeline allows for that.
        var attempt = TimeSpan.FromSeconds(ExecutionLimits.MaxTimeoutSeconds + 30);
        builder.Services.Configure<HttpStandardResilienceOptions>($"{nameof(SandboxClient)}-standard", options =>
        {
            options.AttemptTimeout.Timeout = attempt;
            options.TotalRequestTimeout.Timeout = attempt * 3;
            options.CircuitBreaker.SamplingDuration = attempt * 2;
        });
        return builder;
    }
}
