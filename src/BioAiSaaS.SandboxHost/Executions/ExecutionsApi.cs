using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BioAiSaaS.SandboxHost.Executions;

public static class ExecutionsApi
{
    /// <summary>Generous for 64 KiB of code in JSON; anything larger is not a code submission.</summary>
    private const long MaxRequestBodyBytes = 1 << 20;

    public static IEndpointRouteBuilder MapExecutionsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/executions", ExecuteAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes));
        v1.MapGet("/capabilities", (ProcessLauncher launcher, IsolationProbe probe) => TypedResults.Ok(new Capabilities(
            Isolation: launcher.Isolated ? "bubblewrap+seccomp" : "none",
            Languages: [.. CodeSubmission.LanguageNames],
            PythonVersion: probe.PythonVersion)));
        return app;
    }

    private static async Task<Results<Ok<ExecutionResult>, ValidationProblem, ProblemHttpResult>> ExecuteAsync(
        CodeSubmission submission, CodeExecutor executor, HttpContext context, CancellationToken cancellationToken)
    {
        if (!submission.TryValidate(out var request, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        try
        {
            return TypedResults.Ok(await executor.ExecuteAsync(request, cancellationToken));
        }
        catch (SandboxBusyException busy)
        {
            // The worker's resilience handler honours Retry-After when it retries.
            context.Response.Headers.RetryAfter = "2";
            return TypedResults.Problem(busy.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The sandbox is at capacity");
        }
    }

    public sealed record Capabilities(string Isolation, string[] Languages, string? PythonVersion);
}
