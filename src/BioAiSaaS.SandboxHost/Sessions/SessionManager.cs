using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>Thrown when a tenant already has as many sessions open as it may.</summary>
public sealed class TenantSessionLimitException(string message) : Exception(message);

/// <summary>
/// The sessions of this host: admission under the per-host and per-tenant caps, the execution slots shared by
/// every session, and the end of sessions (deleted, expired, killed), remembered so a caller learns why.
/// Sessions live in this process only: when it stops, they are gone (callers recreate and replay).
/// </summary>
public sealed class SessionManager(KernelPool pool, HostActivity hostActivity, IOptions<SandboxOptions> options, TimeProvider clock,
    ILogger<SessionManager> logger)
    : IDisposable
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Sandbox");
    private static readonly Meter Meter = new("BioAiSaaS.Sandbox");
    private static readonly Counter<long> ExecutionsCounter = Meter.CreateCounter<long>("bioaisaas.sandbox.executions");
    private static readonly Counter<long> EndedCounter = Meter.CreateCounter<long>("bioaisaas.sandbox.sessions.ended");
    private static readonly Histogram<double> Durations =
        Meter.CreateHistogram<double>("bioaisaas.sandbox.execution.duration", unit: "s");
    private const int RememberedEnds = 10_000;

    private readonly SandboxOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, SandboxSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _endedOrder = new();
    private readonly Lock _admission = new();
    private readonly List<string?> _admitting = [];
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentExecutions);

    public ICollection<SandboxSession> Sessions => _sessions.Values;

    public SessionSettings DefaultSettings => new(_options.MemoryLimitBytes, _options.MaxProcesses, _options.WorkspaceSizeBytes,
        _options.IdleTimeoutSeconds, _options.MaxLifetimeSeconds, _options.OutputLimitBytes, _options.InterruptGraceSeconds);

    public async Task<SandboxSession> CreateAsync(string? tenant, SessionSettings settings, CancellationToken cancellationToken)
    {
        Admit(tenant);
        try
        {
            var kernel = await pool.TakeAsync(cancellationToken);
            var session = new SandboxSession(NewId(), tenant, kernel, settings, clock);
            try
            {
                await session.ApplyLimitsAsync(_options, cancellationToken);
            }
            catch
            {
                pool.Release(kernel);
                throw;
            }
            _sessions[session.Id] = session;
            return session;
        }
        finally
        {
            lock (_admission)
            {
                _admitting.Remove(tenant);
            }
        }
    }

    private void Admit(string? tenant)
    {
        lock (_admission)
        {
            var open = _sessions.Count + _admitting.Count;
            if (open >= _options.MaxSessions)
            {
                throw new SandboxFullException(string.Create(CultureInfo.InvariantCulture,
                    $"This sandbox host has its maximum of {_options.MaxSessions} sessions open."));
            }
            var mine = _sessions.Values.Count(s => s.Tenant == tenant) + _admitting.Count(t => t == tenant);
            if (mine >= _options.MaxSessionsPerTenant)
            {
                throw new TenantSessionLimitException(string.Create(CultureInfo.InvariantCulture,
                    $"The tenant has its maximum of {_options.MaxSessionsPerTenant} sessions open; delete one or let one expire."));
            }
            _admitting.Add(tenant);
        }
    }

    /// <summary>The live session, or why it is gone (<see cref="SessionEndReasons"/>).</summary>
    public bool TryGet(string id, out SandboxSession session, out string endReason)
    {
        if (_sessions.TryGetValue(id, out session!))
        {
            endReason = "";
            return true;
        }
        endReason = _ended.TryGetValue(id, out var reason) ? reason : SessionEndReasons.Unknown;
        return false;
    }

    public bool End(string id, string reason)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            return false;
        }
        if (_ended.TryAdd(id, reason))
        {
            _endedOrder.Enqueue(id);
            while (_endedOrder.Count > RememberedEnds && _endedOrder.TryDequeue(out var oldest))
            {
                _ended.TryRemove(oldest, out _);
            }
        }
        EndedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
        logger.LogInformation("Session {SessionId} ended: {Reason}", id, reason);
        pool.Release(session.Kernel);
        return true;
    }

    public async Task<ExecutionResult> ExecuteAsync(SandboxSession session, ExecutionRequest request, CancellationToken cancellationToken)
    {
        var result = await RunInSlotAsync(session, request, killOnCancel: false, cancellationToken);
        if (result.SessionEnded)
        {
            End(session.Id, SessionEndReasons.Killed);
        }
        return result;
    }

    /// <summary>A one-shot execution: a session of its own, created from the pool and ended right after.</summary>
    public async Task<ExecutionResult> ExecuteOnceAsync(ExecutionRequest request, CancellationToken cancellationToken)
    {
        await TakeSlotAsync(cancellationToken);
        SandboxKernel? kernel = null;
        try
        {
            kernel = await pool.TakeAsync(cancellationToken);
            var session = new SandboxSession(NewId(), tenant: null, kernel, DefaultSettings, clock);
            return await RunAsync(session, request, killOnCancel: true, cancellationToken);
        }
        finally
        {
            _slots.Release();
            if (kernel is not null)
            {
                pool.Release(kernel);
            }
        }
    }

    private async Task<ExecutionResult> RunInSlotAsync(SandboxSession session, ExecutionRequest request, bool killOnCancel,
        CancellationToken cancellationToken)
    {
        await TakeSlotAsync(cancellationToken);
        try
        {
            return await RunAsync(session, request, killOnCancel, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task TakeSlotAsync(CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(TimeSpan.FromSeconds(_options.QueueWaitSeconds), cancellationToken))
        {
            throw new SandboxFullException(string.Create(CultureInfo.InvariantCulture,
                $"All {_options.MaxConcurrentExecutions} execution slots stayed busy for {_options.QueueWaitSeconds} s."));
        }
    }

    private async Task<ExecutionResult> RunAsync(SandboxSession session, ExecutionRequest request, bool killOnCancel,
        CancellationToken cancellationToken)
    {
        using var running = hostActivity.Running();
        using var activity = ActivitySource.StartActivity("sandbox.execute");
        activity?.SetTag("sandbox.session", session.Id);
        activity?.SetTag("sandbox.language", request.Language.ToString());
        activity?.SetTag("sandbox.timeout_seconds", request.TimeoutSeconds);
        var result = await session.ExecuteAsync(request, killOnCancel, cancellationToken);
        activity?.SetTag("sandbox.exit_code", result.ExitCode);
        activity?.SetTag("sandbox.termination", result.Termination?.ToString());
        ExecutionsCounter.Add(1, new KeyValuePair<string, object?>("outcome",
            result.Termination?.ToString() ?? (result.Succeeded ? "succeeded" : "failed")));
        Durations.Record(result.DurationMs / 1000.0);
        return result;
    }

    /// <summary>Ends sessions past their hard lifetime (busy or not) and idle ones past their idle timeout.</summary>
    public void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var session in _sessions.Values)
        {
            if (now >= session.ExpiresAt)
            {
                End(session.Id, SessionEndReasons.LifetimeExpired);
            }
            else if (!session.IsBusy && now >= session.IdleExpiresAt)
            {
                End(session.Id, SessionEndReasons.IdleExpired);
            }
        }
    }

    public void EndAll()
    {
        foreach (var id in _sessions.Keys)
        {
            End(id, SessionEndReasons.Deleted);
        }
    }

    /// <summary>128 random bits: a session id is a capability, not guessable from another.</summary>
    private static string NewId() => "ses_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public void Dispose() => _slots.Dispose();
}

/// <summary>Runs the sweep every <see cref="SandboxOptions.SweepIntervalSeconds"/>; ends every session when the host stops.</summary>
public sealed class SessionSweeper(SessionManager sessions, IOptions<SandboxOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            sessions.Sweep();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        sessions.EndAll();
    }
}
