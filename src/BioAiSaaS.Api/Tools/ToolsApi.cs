using System.Text.Json;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Tools;

namespace BioAiSaaS.Api.Tools;

/// <summary>A registered tool as clients see it: what to put in a workflow's tool step.</summary>
public sealed record ToolResponse(string Name, string Category, string Description, JsonElement Parameters);

/// <summary>The tool registry, for clients composing workflows (the same schemas the language model is given).</summary>
public static class ToolsApi
{
    public static IEndpointRouteBuilder MapToolsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tools", (ToolRegistry tools) => TypedResults.Ok(tools.All
                .OrderBy(t => t.Category, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)
                .Select(t => new ToolResponse(t.Name, t.Category, t.Description, t.ParametersSchema)).ToList()))
            .WithTags("Tools").WithName("ListTools")
            .WithSummary("The tools a workflow's tool steps can call, with their parameters' JSON schemas")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }
}
