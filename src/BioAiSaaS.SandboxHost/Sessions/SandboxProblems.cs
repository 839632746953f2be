using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>How the host's refusals become problem details, shared by the one-shot and the session endpoints.</summary>
public static class SandboxProblems
{
    /// <summary>Generous for 64 KiB of code in JSON; anything larger is not a code submission.</summary>
    public const long MaxCodeRequestBytes = 1 << 20;

    /// <summary>Validates code like the Api does, and refuses a language this host does not have (R is optional).</summary>
    public static bool TryValidate(CodeSubmission submission, IsolationProbe probe, SandboxLanguage? defaultLanguage,
        out ExecutionRequest request, out Dictionary<string, string[]> errors)
    {
        if (!submission.TryValidate(out request, out errors, defaultLanguage))
        {
            return false;
        }
        if (request.Language == SandboxLanguage.R && probe.RVersion is null)
        {
            errors["language"] = ["R is not installed on this sandbox host (Debian's r-base-core); see GET /v1/capabilities."];
            return false;
        }
        return true;
    }

    /// <summary>The problem for a refusal; null for an exception that is a bug (it stays a 500).</summary>
    public static ProblemHttpResult? For(Exception exception, HttpContext context)
    {
        switch (exception)
        {
            case SandboxFullException full:
                // The worker's resilience handler honours Retry-After when it retries.
                context.Response.Headers.RetryAfter = "2";
                return TypedResults.Problem(full.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "The sandbox is at capacity");
            case TenantSessionLimitException limit:
                return TypedResults.Problem(limit.Message, statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many sessions for this tenant");
            case SessionBusyException busy:
                return TypedResults.Problem(busy.Message, statusCode: StatusCodes.Status409Conflict,
                    title: "The session is busy");
            case KernelFailedException failed:
                context.Response.Headers.RetryAfter = "2";
                return TypedResults.Problem(failed.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "A sandbox could not be started");
            default:
                return null;
        }
    }
}
