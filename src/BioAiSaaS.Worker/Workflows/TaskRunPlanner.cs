using System.Text;
using System.Text.Json;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Worker.Agents;
using BioAiSaaS.Worker.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Worker.Workflows;

/// <summary>
/// Turns a task run into a workflow run: the planner role (<see cref="TaskPlanner"/>) with the project's earlier runs
/// as context, its tokens metered, its plan stored on the run (fenced by the claim) so a resumed run never plans again.
/// </summary>
public sealed class TaskRunPlanner(IServiceScopeFactory scopes, ToolRegistry tools)
{
    private const int HistoryRuns = 5;

    /// <summary>Plans the run; null when the plan is stored on <paramref name="claim"/>, else why there is none.</summary>
    public async Task<string?> PlanAsync(RunClaim claim, CancellationToken cancellationToken)
    {
        var run = claim.Details;
        await using var scope = scopes.CreateTenantScope(run.OwnerId);
        var db = scope.ServiceProvider.GetRequiredService<BioDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RunEventLog>();
        await events.RunStartedAsync(run, claim.Attempt, cancellationToken);
        if (scope.ServiceProvider.GetService<LanguageModels>() is not { } models)
        {
            return "No language model is configured (Llm:Endpoint and Llm:Model), so the task cannot be planned.";
        }

        var chat = models.For(models.ModelFor(AgentRoles.Planner, RunSettings.Of(run).Models));
        var context = await HistoryAsync(db, run, cancellationToken);
        if (await InputFiles.ListAsync(run, db, cancellationToken) is { Count: > 0 } inputs)
        {
            context = (context is null ? "" : context + "\n") + "Files in the analyst's sandbox (earlier/<run id>/ holds earlier runs' artifacts): "
                + string.Join(", ", inputs.Select(i => i.Path)) + "\n";
        }
        var plan = await new TaskPlanner(chat, tools).PlanAsync(run.Task!, context,
            models.CachesResponses ? CacheProbe.Begin(run.OwnerId) : null, cancellationToken);
        var usage = scope.ServiceProvider.GetRequiredService<UsageRecorder>();
        for (var call = 0; call < plan.Usage.Count; call++)
        {
            var (details, cached) = plan.Usage[call];
            var keyPrefix = $"run:{run.Id}:plan:attempt:{claim.Attempt}:call:{call + 1}:";
            if (cached)
            {
                await usage.RecordAsync(UsageRecorder.Tokens(keyPrefix + UsageKinds.LlmCacheHitTokens, run, null, UsageKinds.LlmCacheHitTokens,
                    (details.InputTokenCount ?? 0) + (details.OutputTokenCount ?? 0), plan.Model), cancellationToken);
                continue;
            }
            await usage.RecordTokensAsync(keyPrefix, run, null, details, plan.Model, cancellationToken);
        }
        if (plan.Workflow is null)
        {
            return plan.Failure;
        }
        var json = JsonSerializer.Serialize(plan.Workflow, JsonSerializerOptions.Web);
        // Fenced like every write after the claim: a worker that lost the run does not overwrite its plan.
        await db.Database.ExecuteSqlAsync($"""
            UPDATE runs SET workflow = {json}::jsonb
             WHERE id = {run.Id} AND attempt = {claim.Attempt} AND status = 'Running' AND workflow IS NULL
            """, cancellationToken);
        run.Workflow = json;
        return null;
    }

    /// <summary>The project's latest finished runs (task and answer, or status): what a follow-up task can build on.</summary>
    private static async Task<string?> HistoryAsync(BioDbContext db, Run run, CancellationToken cancellationToken)
    {
        var earlier = await db.Runs.AsNoTracking()
            .Where(r => r.ProjectId == run.ProjectId && r.Id != run.Id && r.FinishedAt != null)
            .OrderByDescending(r => r.CreatedAt).Take(HistoryRuns)
            .Select(r => new { r.Id, r.Task, r.Kind, r.Status, r.CreatedAt })
            .ToListAsync(cancellationToken);
        if (earlier.Count == 0)
        {
            return null;
        }
        var ids = earlier.Select(r => r.Id).ToList();
        var answers = await db.RunSteps.AsNoTracking()
            .Where(s => ids.Contains(s.RunId) && s.StepId == TaskPlanner.AnswerStepId && s.Output != null)
            .ToDictionaryAsync(s => s.RunId, s => s.Output!, cancellationToken);
        var history = new StringBuilder("Earlier runs in this project:\n");
        foreach (var r in earlier.OrderBy(r => r.CreatedAt))
        {
            var answer = answers.TryGetValue(r.Id, out var output) && JsonDocument.Parse(output).RootElement.TryGetProperty("text", out var text)
                ? text.GetString()
                : null;
            history.Append("- Run ").Append(r.Id).Append(" (").Append(r.Status.ToString().ToLowerInvariant()).Append("): ")
                .Append(r.Task ?? $"a {r.Kind.ToString().ToLowerInvariant()} run");
            if (answer is not null)
            {
                history.Append(" → ").Append(answer.Length > 300 ? answer[..300] + "…" : answer);
            }
            history.Append('\n');
        }
        return history.ToString();
    }
}
