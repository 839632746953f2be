using BioAiSaaS.Core.Sandbox;

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
        // The standard handler from ServiceDefaults cuts attempts at 10 s; an execution may legitimately take
        // the longest allowed timeout, so this client swaps it for one whose timeouts allow for that.
        var attempt = TimeSpan.FromSeconds(ExecutionLimits.MaxTimeoutSeconds + 30);
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: experimental, but the documented way to replace the defaults' handler.
        builder.Services.AddHttpClient<SandboxClient>(http => http.BaseAddress = new Uri($"https+http://{ServiceName}"))
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = attempt;
                options.TotalRequestTimeout.Timeout = attempt * 3;
                options.CircuitBreaker.SamplingDuration = attempt * 2;
            });
#pragma warning restore EXTEXP0001
        return builder;
    }
}
