using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Runs;

/// <summary>The client's choices on a project run, checked before anything is stored: each error names its field.</summary>
public static class RunSettingsValidator
{
    public static async Task<Dictionary<string, string[]>> ValidateAsync(ProjectRunSubmission submission, Guid projectId, BioDbContext db,
        LanguageModelOptions languageModel, AgentOptions agents, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (submission.Models is { Count: > 0 } models)
        {
            if (!languageModel.IsConfigured)
            {
                errors["models"] = ["This deployment has no language model configured, so there is no model to choose."];
            }
            else
            {
                var allowed = new HashSet<string>([languageModel.Model!, .. languageModel.AllowedModels,
                    .. agents.Roles.Values.Select(r => r.Model).OfType<string>()], StringComparer.Ordinal);
                foreach (var (role, model) in models)
                {
                    if (!AgentRoles.All.Contains(role))
                    {
                        errors[$"models.{role}"] = [$"Not a role. Roles: {string.Join(", ", AgentRoles.All)}."];
                    }
                    else if (!allowed.Contains(model))
                    {
                        errors[$"models.{role}"] = [$"'{model}' is not offered here. Models: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}."];
                    }
                }
            }
        }
        if (submission.Budget is { } budget)
        {
            if (budget.MaxTokens is < 1 or > RunSettings.MaxTokenBudget)
            {
                errors["budget.maxTokens"] = [$"Between 1 and {RunSettings.MaxTokenBudget}."];
            }
            if (budget.MaxSeconds is < 1 or > RunSettings.MaxSecondsBudget)
            {
                errors["budget.maxSeconds"] = [$"Between 1 and {RunSettings.MaxSecondsBudget}."];
            }
        }
        if (submission.Template is { } template && !await db.TaskTemplates.AsNoTracking().AnyAsync(t => t.Code == template, cancellationToken))
        {
            errors["template"] = [$"'{template}' is not a template; see GET /api/billing/templates."];
        }
        if (submission.Inputs is { Count: > 0 } inputs)
        {
            if (inputs.Count > RunSettings.MaxInputs)
            {
                errors["inputs"] = [$"At most {RunSettings.MaxInputs} input files."];
            }
            else
            {
                var known = await db.KnowledgeDocuments.AsNoTracking().Where(d => inputs.Contains(d.Id) && d.ProjectId == projectId)
                    .Select(d => d.Id)
                    .Concat(db.RunArtifacts.AsNoTracking()
                        .Where(a => inputs.Contains(a.Id) && db.Runs.Any(r => r.Id == a.RunId && r.ProjectId == projectId))
                        .Select(a => a.Id))
                    .ToListAsync(cancellationToken);
                var missing = inputs.Except(known).ToList();
                if (missing.Count > 0)
                {
                    errors["inputs"] = [$"The project has no document or run artifact {string.Join(", ", missing)}."];
                }
            }
        }
        return errors;
    }
}
