using System.Text.Json;
using BioAiSaaS.Core.Runs;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Worker.Agents;

/// <summary>A tool result a role obtained, kept for the step's output (its citations).</summary>
public sealed record ToolResult(string Name, JsonElement Result);

/// <summary>
/// A tool as a role's model calls it: run with the step's services (its tenant scope and project, not the pipeline's
/// root provider), reported as AG-UI <c>TOOL_CALL_*</c> events under the model's call id, refused once the run's
/// budget is spent, and its result kept for the step's output.
/// </summary>
public sealed class ObservedFunction(AIFunction inner, Run run, string stepId, string conversationId, IServiceProvider services,
    RunBudget budget, List<ToolResult> results) : DelegatingAIFunction(inner)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        budget.EnsureLeft();
        var events = services.GetRequiredService<RunEventLog>();
        var callId = FunctionInvokingChatClient.CurrentContext?.CallContent.CallId ?? Guid.NewGuid().ToString("N");
        var key = $"{conversationId}:{callId}";
        await events.AppendAsync(run.Id, RunEventTypes.ToolCallStart, stepId, new { toolCallId = callId, toolCallName = Name },
            $"tool-start:{key}", cancellationToken);
        await events.AppendAsync(run.Id, RunEventTypes.ToolCallArgs, stepId,
            new { toolCallId = callId, delta = JsonSerializer.Serialize(arguments, JsonSerializerOptions.Web) }, $"tool-args:{key}", cancellationToken);
        await events.AppendAsync(run.Id, RunEventTypes.ToolCallEnd, stepId, new { toolCallId = callId }, $"tool-end:{key}", cancellationToken);

        arguments.Services = services;
        JsonElement result;
        try
        {
            var value = await base.InvokeCoreAsync(arguments, cancellationToken);
            result = value is JsonElement json ? json : JsonSerializer.SerializeToElement(value, JsonSerializerOptions.Web);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException)
        {
            // The model's mistake (a bad argument): it sees the message and may correct itself.
            await events.AppendAsync(run.Id, RunEventTypes.ToolCallResult, stepId,
                new { toolCallId = callId, messageId = callId, content = new { error = e.Message } }, $"tool-result:{key}", cancellationToken);
            throw;
        }
        await events.AppendAsync(run.Id, RunEventTypes.ToolCallResult, stepId, new { toolCallId = callId, messageId = callId, content = result },
            $"tool-result:{key}", cancellationToken);
        lock (results)
        {
            results.Add(new ToolResult(Name, result));
        }
        return result;
    }
}
