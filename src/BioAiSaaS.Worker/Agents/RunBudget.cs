using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Worker.Agents;

/// <summary>A run or a step spent what it was given: it stops, and the run ends failed with <see cref="Code"/>.</summary>
public sealed class BudgetExhaustedException(string message) : Exception(message)
{
    public const string Code = "budget_exhausted";
}

/// <summary>
/// The run's token and time budget (<see cref="RunSettings"/>), shared by its parallel steps. Tokens already spent by
/// an earlier attempt of the run (their usage events) count, so a resumed run cannot start its budget over.
/// </summary>
public sealed class RunBudget
{
    private readonly long? _maxTokens;
    private long _spent;

    private RunBudget(long? maxTokens, long spent, DateTimeOffset? deadline)
    {
        _maxTokens = maxTokens;
        _spent = spent;
        Deadline = deadline;
    }

    public DateTimeOffset? Deadline { get; }

    public long Spent => Interlocked.Read(ref _spent);

    public static async Task<RunBudget> LoadAsync(Run run, BioDbContext db, CancellationToken cancellationToken)
    {
        var settings = RunSettings.Of(run);
        var spent = settings.MaxTokens is null ? 0 : (long)await db.UsageEvents
            .Where(u => u.RunId == run.Id && (u.Kind == UsageKinds.LlmInputTokens || u.Kind == UsageKinds.LlmOutputTokens))
            .SumAsync(u => u.Quantity, cancellationToken);
        return new RunBudget(settings.MaxTokens, spent,
            settings.MaxSeconds is { } seconds ? (run.StartedAt ?? DateTimeOffset.UtcNow).AddSeconds(seconds) : null);
    }

    /// <summary>Counts tokens a model call used; throws when the run's budget is spent.</summary>
    public void Charge(long tokens)
    {
        var spent = Interlocked.Add(ref _spent, tokens);
        if (_maxTokens is { } max && spent >= max)
        {
            throw new BudgetExhaustedException($"{BudgetExhaustedException.Code}: the run's budget of {max} tokens is spent ({spent} used).");
        }
    }

    /// <summary>Throws before a model call or a tool call when nothing is left of the budget.</summary>
    public void EnsureLeft()
    {
        if (_maxTokens is { } max && Spent >= max)
        {
            throw new BudgetExhaustedException($"{BudgetExhaustedException.Code}: the run's budget of {max} tokens is spent.");
        }
        if (Deadline is { } deadline && DateTimeOffset.UtcNow >= deadline)
        {
            throw new BudgetExhaustedException($"{BudgetExhaustedException.Code}: the run's time budget ended at {deadline:u}.");
        }
    }
}
