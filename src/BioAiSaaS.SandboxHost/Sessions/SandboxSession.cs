using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>Thrown when an execution arrives while the session is still running the previous one.</summary>
public sealed class SessionBusyException(string message) : Exception(message);

/// <summary>
/// A stateful session: one kernel, its workspace and its bookkeeping. Executions run one at a time; each is
/// interrupted at its timeout (or when its output overflows, or its caller goes away), and the whole
/// session is killed when an interrupt is not enough.
/// </summary>
public sealed class SandboxSession(string id, string? tenant, SandboxKernel kernel, SessionSettings settings, TimeProvider clock)
{
    /// <summary>1 while an execution runs: executions of a session never overlap.</summary>
    private int _running;
    private int _executions;
    private long _lastUsedTicks = clock.GetUtcNow().UtcTicks;

    public string Id { get; } = id;
    public string? Tenant { get; } = tenant;
    public SandboxKernel Kernel { get; } = kernel;
    public SessionSettings Settings { get; } = settings;
    public DateTimeOffset CreatedAt { get; } = clock.GetUtcNow();
    public DateTimeOffset LastUsedAt => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
    public bool IsBusy => Volatile.Read(ref _running) == 1;
    public DateTimeOffset IdleExpiresAt => LastUsedAt.AddSeconds(Settings.IdleTimeoutSeconds);
    public DateTimeOffset ExpiresAt => CreatedAt.AddSeconds(Settings.MaxLifetimeSeconds);

    public void Touch() => Interlocked.Exchange(ref _lastUsedTicks, clock.GetUtcNow().UtcTicks);

    public SessionInfo Describe() => new(Id, Tenant, IsBusy ? SessionState.Busy : SessionState.Idle, CreatedAt, LastUsedAt,
        IdleExpiresAt, ExpiresAt, _executions, Settings.MemoryBytes, Settings.MaxProcesses, Settings.WorkspaceBytes, Kernel.Uid);

    /// <summary>Lowers the kernel's limits to the session's own, when they are below the host's.</summary>
    public async Task ApplyLimitsAsync(SandboxOptions host, CancellationToken cancellationToken)
    {
        if (Settings.MemoryBytes < host.MemoryLimitBytes || Settings.MaxProcesses < host.MaxProcesses)
        {
            await Kernel.RequestAsync(new { op = "limits", id = 0, memoryBytes = Settings.MemoryBytes, maxProcesses = Settings.MaxProcesses },
                cancellationToken);
        }
    }

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, bool killOnCancel, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            throw new SessionBusyException($"Session {Id} is still running an execution; executions of a session run one at a time.");
        }
        try
        {
            Touch();
            var cell = Interlocked.Increment(ref _executions);
            return await RunCellAsync(cell, request, killOnCancel, cancellationToken);
        }
        finally
        {
            Touch();
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<ExecutionResult> RunCellAsync(int cell, ExecutionRequest request, bool killOnCancel, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var stop = new StopReason(Kernel, TimeSpan.FromSeconds(Settings.InterruptGraceSeconds));
        var marker = Encoding.ASCII.GetBytes($"\u001eBIOAISAAS-END-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}\u001e");
        var stdout = Kernel.Stdout.Begin(marker, Settings.OutputLimitBytes, () => stop.Interrupt(Termination.OutputLimit));
        var stderr = Kernel.Stderr.Begin(marker, Settings.OutputLimitBytes, () => stop.Interrupt(Termination.OutputLimit));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(request.TimeoutSeconds));
        using var onTimeout = timeout.Token.Register(() => stop.Interrupt(Termination.Timeout));
        // The caller went away (the worker lost its lease or stopped): nothing may keep running for it.
        using var onCancel = cancellationToken.Register(() =>
        {
            if (killOnCancel)
            {
                stop.Kill(Termination.Killed);
            }
            else
            {
                stop.Interrupt(Termination.Killed);
            }
        });

        KernelReply? reply = null;
        try
        {
            var answer = await Kernel.RequestAsync(new
            {
                op = "execute", id = cell, language = Wire(request.Language), code = request.Code,
                marker = Encoding.ASCII.GetString(marker),
            }, CancellationToken.None);
            reply = answer.Deserialize<KernelReply>(KernelJson.Options);
            // Both markers follow the reply's content; wait for them so the output is complete.
            await Task.WhenAll(stdout.Ended, stderr.Ended);
        }
        catch (Exception e) when (e is KernelFailedException or JsonException)
        {
            // The kernel died (a hard limit, a kill after a failed interrupt) or broke its protocol.
            Kernel.Kill();
            await Kernel.Exited;
            await ((Task)Task.WhenAll(stdout.Ended, stderr.Ended)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        stop.Done();
        stopwatch.Stop();

        var sessionEnded = reply is null || Kernel.HasExited;
        var exitCode = reply?.ExitCode ?? Kernel.ExitCode;
        var termination = stop.Reason
                          ?? (reply?.Error?.Type == "MemoryError" ? Termination.Memory : (Termination?)null)
                          ?? (reply is null ? ClassifyKernelExit(Kernel.ExitCode) : Classify(request.Language, exitCode ?? 0));
        var result = new ExecutionResult(
            Succeeded: !sessionEnded && exitCode == 0 && termination is null && reply?.Error is null,
            ExitCode: exitCode,
            Stdout: stdout.Text,
            Stderr: stderr.Text,
            StdoutTruncated: stdout.Truncated,
            StderrTruncated: stderr.Truncated,
            DurationMs: stopwatch.ElapsedMilliseconds,
            Termination: termination)
        {
            Value = reply?.Value,
            Table = reply?.Table,
            Error = reply?.Error,
            Files = reply?.Files ?? [],
            Artifacts = reply?.Artifacts ?? [],
            SessionEnded = sessionEnded,
        };
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>Names the limit behind a bash or R exit the host did not cause itself.</summary>
    public static Termination? Classify(SandboxLanguage language, int exitCode) => exitCode switch
    {
        // Only Python's kernel turns running out of memory into this status; a script may exit 86 on its own.
        ProcessLauncher.MemoryExitCode when language == SandboxLanguage.Python => Termination.Memory,
        128 + 24 => Termination.Timeout, // SIGXCPU: the CPU-time limit
        > 128 => Termination.Killed,     // another signal: SIGKILL at a hard limit, SIGSEGV …
        _ => null,
    };

    /// <summary>Why a kernel that stopped answering died.</summary>
    private static Termination ClassifyKernelExit(int? exitCode) =>
        exitCode is { } code ? Classify(SandboxLanguage.Python, code) ?? Termination.Killed : Termination.Killed;

    private static string Wire(SandboxLanguage language) => language switch
    {
        SandboxLanguage.Python => "python",
        SandboxLanguage.Bash => "bash",
        SandboxLanguage.R => "r",
        _ => throw new ArgumentOutOfRangeException(nameof(language), language, null),
    };

    /// <summary>Remembers the first reason a cell was stopped and escalates to a kill when an interrupt is ignored.</summary>
    private sealed class StopReason(SandboxKernel kernel, TimeSpan grace)
    {
        private static readonly TimeSpan RepeatInterval = TimeSpan.FromMilliseconds(200);
        private int _stopping;
        private volatile bool _done;

        public Termination? Reason { get; private set; }

        /// <summary>The cell ended: a pending escalation must not kill the session any more.</summary>
        public void Done() => _done = true;

        public void Interrupt(Termination reason)
        {
            if (Interlocked.Exchange(ref _stopping, 1) == 1)
            {
                return;
            }
            Reason = reason;
            _ = EscalateAsync();
        }

        /// <summary>
        /// Interrupts again and again (an interrupt can land where Python ignores exceptions, such as an at-fork
        /// hook), each time first killing whatever else the cell left running, then kills the session once the grace
        /// period is over.
        /// </summary>
        private async Task EscalateAsync()
        {
            var deadline = DateTime.UtcNow + grace;
            while (!_done && DateTime.UtcNow < deadline)
            {
                kernel.KillOtherProcesses();
                kernel.Interrupt();
                await Task.Delay(RepeatInterval);
            }
            if (!_done)
            {
                kernel.Kill();
            }
        }

        public void Kill(Termination reason)
        {
            if (Interlocked.Exchange(ref _stopping, 1) == 0)
            {
                Reason = reason;
            }
            kernel.Kill();
        }
    }

    private sealed record KernelReply(
        int ExitCode,
        string? Value,
        TableValue? Table,
        ExecutionError? Error,
        IReadOnlyList<ChangedFile>? Files,
        IReadOnlyList<Artifact>? Artifacts);
}

/// <summary>A session's own settings: the host's defaults, lowered where the request asked.</summary>
public sealed record SessionSettings(
    long MemoryBytes,
    int MaxProcesses,
    long WorkspaceBytes,
    int IdleTimeoutSeconds,
    int MaxLifetimeSeconds,
    int OutputLimitBytes,
    int InterruptGraceSeconds);
