namespace BioAiSaaS.Api.Infrastructure;

/// <summary>
/// Two identical, trivial endpoints, one anonymous and one behind the default authorization, so a load test
/// (bench/auth-overhead.sh) measures exactly what authentication adds: token validation, the session
/// revocation check in Redis, and the tenant hand-off. Mapped only when <c>Benchmarks:ExposeProbes</c> is true.
/// </summary>
public static class BenchmarkProbes
{
    public static IEndpointRouteBuilder MapBenchmarkProbes(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue<bool>("Benchmarks:ExposeProbes"))
        {
            return app;
        }
        var probes = app.MapGroup("/bench").ExcludeFromDescription();
        probes.MapGet("/anonymous", () => TypedResults.Text("ok")).AllowAnonymous();
        probes.MapGet("/authenticated", () => TypedResults.Text("ok"));
        return app;
    }
}
