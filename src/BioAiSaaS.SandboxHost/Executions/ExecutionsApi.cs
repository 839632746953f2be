using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using BioAiSaaS.SandboxHost.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Executions;

public static class ExecutionsApi
{
    public static IEndpointRouteBuilder MapExecutionsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/executions", ExecuteAsync)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(SandboxProblems.MaxCodeRequestBytes));
        v1.MapGet("/capabilities", (ProcessLauncher launcher, IsolationProbe probe, IOptions<SandboxOptions> options) =>
        {
            var o = options.Value;
            return TypedResults.Ok(new SandboxCapabilities(
                Isolation: launcher.Isolated ? "bubblewrap+seccomp" : "none",
                Languages: [.. CodeSubmission.LanguageNames.Where(l => l != "r" || probe.RVersion is not null)],
                PythonVersion: probe.PythonVersion,
                RVersion: probe.RVersion,
                o.MaxSessions, o.MaxSessionsPerTenant, o.WarmSessions, o.IdleTimeoutSeconds, o.MaxLifetimeSeconds));
        });
        return app;
    }

    /// <summary>A one-shot execution: a fresh session from the pool, used once and ended.</summary>
    private static async Task<Results<Ok<ExecutionResult>, ValidationProblem, ProblemHttpResult>> ExecuteAsync(
        CodeSubmission submission, SessionManager sessions, IsolationProbe probe, HttpContext context, CancellationToken cancellationToken)
    {
        if (!SandboxProblems.TryValidate(submission, probe, defaultLanguage: null, out var request, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        try
        {
            return TypedResults.Ok(await sessions.ExecuteOnceAsync(request, cancellationToken));
        }
        catch (Exception e) when (SandboxProblems.For(e, context) is { } problem)
        {
            return problem;
        }
    }
}
