using System.Diagnostics;
using System.Text;
using BioAiSaaS.Core.Agents;
using BioAiSaaS.Core.Runs;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Worker.Agents;

/// <summary>
/// One conversation of a role with its model, as the run's events: reasoning and text stream as AG-UI
/// <c>REASONING_MESSAGE_*</c> and <c>TEXT_MESSAGE_*</c> events (deltas batched to about a tenth of a second, so the
/// log is not one row per token), and every model call's tokens are metered under a permanent key and charged to the
/// step's and the run's budgets. Tool calls are the functions' own to report (<see cref="ObservedFunction"/>).
/// </summary>
/// With the response cache on, a call answered from the cache (no new real call on <paramref name="cache"/>) is recorded
/// as <c>llm_cache_hit_tokens</c>: it cost nothing, so it is neither billed nor charged to a budget.
public sealed class AgentTranscript(Run run, string stepId, string conversationId, string usagePrefix, RunEventLog events,
    UsageRecorder usage, RunBudget budget, int maxTokens, CacheProbe? cache)
{
    private int _realCallsMetered;
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(100);
    private const int FlushAtCharacters = 512;

    private readonly StringBuilder _final = new();
    private readonly StringBuilder _pending = new();
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private string? _openKind;
    private string? _messageId;
    private int _messages;
    private int _chunks;
    private int _calls;

    /// <summary>The text after the last tool activity: the conversation's answer.</summary>
    public string Text => _final.ToString().Trim();

    public string? Model { get; private set; }

    public long InputTokens { get; private set; }

    public long OutputTokens { get; private set; }

    public async Task ConsumeAsync(IAsyncEnumerable<ChatResponseUpdate> updates, CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            Model ??= update.ModelId;
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextReasoningContent reasoning when !string.IsNullOrEmpty(reasoning.Text):
                        await DeltaAsync("REASONING_MESSAGE", reasoning.Text, cancellationToken);
                        break;
                    case TextContent text when !string.IsNullOrEmpty(text.Text):
                        await DeltaAsync("TEXT_MESSAGE", text.Text, cancellationToken);
                        _final.Append(text.Text);
                        break;
                    case FunctionCallContent or FunctionResultContent:
                        // What was said before a tool call was thinking aloud; the answer is what follows the last one.
                        await CloseAsync(cancellationToken);
                        _final.Clear();
                        break;
                    case UsageContent used:
                        await MeterAsync(used.Details, update.ModelId, cancellationToken);
                        break;
                }
            }
            if (_pending.Length > 0 && _sinceFlush.Elapsed >= FlushEvery)
            {
                await FlushAsync(cancellationToken);
            }
        }
        await CloseAsync(cancellationToken);
    }

    /// <summary>Records one model call's tokens (once, by key), shows them as USAGE events and charges the budgets.</summary>
    public async Task MeterAsync(UsageDetails? details, string? model, CancellationToken cancellationToken)
    {
        if (details is null)
        {
            return;
        }
        Model ??= model;
        var keyPrefix = $"{usagePrefix}call:{++_calls}:";
        var input = details.InputTokenCount ?? 0;
        var output = details.OutputTokenCount ?? 0;
        if (cache is not null && cache.RealCalls == _realCallsMetered)
        {
            var key = keyPrefix + UsageKinds.LlmCacheHitTokens;
            if (await usage.RecordAsync(UsageRecorder.Tokens(key, run, stepId, UsageKinds.LlmCacheHitTokens, input + output, model ?? Model),
                    cancellationToken))
            {
                await events.AppendAsync(run.Id, RunEventTypes.Usage, stepId,
                    new { kind = UsageKinds.LlmCacheHitTokens, quantity = input + output, model = model ?? Model }, key, cancellationToken);
            }
            return;
        }
        _realCallsMetered = cache?.RealCalls ?? 0;
        foreach (var (kind, tokens) in await usage.RecordTokensAsync(keyPrefix, run, stepId, details, model ?? Model, cancellationToken))
        {
            await events.AppendAsync(run.Id, RunEventTypes.Usage, stepId, new { kind, quantity = tokens, model = model ?? Model },
                keyPrefix + kind, cancellationToken);
        }
        InputTokens += input;
        OutputTokens += output;
        budget.Charge(input + output);
        if (InputTokens + OutputTokens >= maxTokens)
        {
            throw new BudgetExhaustedException($"The step used its budget of {maxTokens} tokens ({InputTokens + OutputTokens} used).");
        }
    }

    private async Task DeltaAsync(string kind, string delta, CancellationToken cancellationToken)
    {
        if (_openKind != kind)
        {
            await CloseAsync(cancellationToken);
            _openKind = kind;
            _messageId = $"{conversationId}-m{++_messages}";
            _chunks = 0;
            await events.AppendAsync(run.Id, kind + "_START", stepId, new { messageId = _messageId, role = "assistant" },
                $"{kind}-start:{_messageId}", cancellationToken);
        }
        _pending.Append(delta);
        if (_pending.Length >= FlushAtCharacters)
        {
            await FlushAsync(cancellationToken);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length > 0 && _openKind is not null)
        {
            await events.AppendAsync(run.Id, _openKind + "_CONTENT", stepId, new { messageId = _messageId, delta = _pending.ToString() },
                $"{_openKind}-content:{_messageId}:{++_chunks}", cancellationToken);
            _pending.Clear();
        }
        _sinceFlush.Restart();
    }

    private async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_openKind is null)
        {
            return;
        }
        await FlushAsync(cancellationToken);
        await events.AppendAsync(run.Id, _openKind + "_END", stepId, new { messageId = _messageId }, $"{_openKind}-end:{_messageId}",
            cancellationToken);
        _openKind = null;
    }
}
