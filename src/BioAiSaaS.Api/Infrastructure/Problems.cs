using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace BioAiSaaS.Api.Infrastructure;

/// <summary>The problem answers the account endpoints share.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    public static ProblemHttpResult Unauthorized(string detail) => Of(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static ProblemHttpResult NotFound(string what) => Of(StatusCodes.Status404NotFound, $"{what} not found", $"There is no such {what.ToLowerInvariant()}.");

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Identity's refusals (weak password, bad token …) as a validation problem on one field.</summary>
    public static ValidationProblem Invalid(string field, IdentityResult result) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = result.Errors.Select(e => e.Description).ToArray() });
}
