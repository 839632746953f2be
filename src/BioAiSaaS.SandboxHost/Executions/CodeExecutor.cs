using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Executions;

/// <summary>Thrown when every execution slot stays busy for the configured queue wait.</summary>
public sealed class SandboxBusyException(string message) : Exception(message);

/// <summary>
/// Runs one execution at a time per slot: starts the isolated process, feeds it the code, reads its
/// output under a cap, enforces the wall-clock timeout and names the limit that ended it.
/// </summary>
public sealed class CodeExecutor : IDisposable
{
    public static readonly ActivitySource ActivitySource = new("BioAiSaaS.Sandbox");
    private static readonly Meter Meter = new("BioAiSaaS.Sandbox");
    private static readonly Counter<long> Executions = Meter.CreateCounter<long>("bioaisaas.sandbox.executions");
    private static readonly Histogram<double> Durations =
        Meter.CreateHistogram<double>("bioaisaas.sandbox.execution.duration", unit: "s");

    private readonly ProcessLauncher _launcher;
    private readonly SandboxOptions _options;
    private readonly ILogger<CodeExecutor> _logger;
    private const int UidsPerSlot = 4;
    private readonly SemaphoreSlim _slots;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _uids = new();

    public CodeExecutor(ProcessLauncher launcher, IOptions<SandboxOptions> options, ILogger<CodeExecutor> logger)
    {
        _launcher = launcher;
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentExecutions);
        // More uids than slots, handed out in turn, so a uid rests while its last namespace is torn down: a uid
        // reused at once can meet its own dying processes under RLIMIT_NPROC ("bwrap: Can't fork for pid 1",
        // bench/nproc-reuse.sh: 67–94 of 200 back-to-back launches failed with one uid, 0–4 with four, 0 with sixteen).
        for (var i = 0; i < _options.MaxConcurrentExecutions * UidsPerSlot; i++)
        {
            _uids.Enqueue(_options.FirstSandboxUid + i);
        }
    }

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(TimeSpan.FromSeconds(_options.QueueWaitSeconds), cancellationToken))
        {
            throw new SandboxBusyException(
                $"All {_options.MaxConcurrentExecutions} execution slots stayed busy for {_options.QueueWaitSeconds} s.");
        }
        _uids.TryDequeue(out var uid);
        string? workspace = null;
        using var activity = ActivitySource.StartActivity("sandbox.execute");
        activity?.SetTag("sandbox.language", request.Language.ToString());
        activity?.SetTag("sandbox.timeout_seconds", request.TimeoutSeconds);
        try
        {
            if (!_launcher.Isolated)
            {
                workspace = Directory.CreateTempSubdirectory("bioaisaas-ws-").FullName;
                File.SetUnixFileMode(workspace, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            }
            var result = await RunAsync(_launcher.Create(request, uid, workspace), request, cancellationToken);
            activity?.SetTag("sandbox.exit_code", result.ExitCode);
            activity?.SetTag("sandbox.termination", result.Termination?.ToString());
            Executions.Add(1, new KeyValuePair<string, object?>("outcome",
                result.Termination?.ToString() ?? (result.Succeeded ? "succeeded" : "failed")));
            Durations.Record(result.DurationMs / 1000.0);
            return result;
        }
        finally
        {
            if (workspace is not null)
            {
                Directory.Delete(workspace, recursive: true);
            }
            _uids.Enqueue(uid);
            _slots.Release();
        }
    }

    private async Task<ExecutionResult> RunAsync(ProcessStartInfo start, ExecutionRequest request, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The sandbox process did not start.");
        var stop = new StopReason();

        var stdout = new CappedReader(process.StandardOutput.BaseStream, _options.OutputLimitBytes);
        var stderr = new CappedReader(process.StandardError.BaseStream, _options.OutputLimitBytes);
        var readers = Task.WhenAll(
            stdout.ReadAsync(() => Kill(process, stop, Termination.OutputLimit)),
            stderr.ReadAsync(() => Kill(process, stop, Termination.OutputLimit)));

        try
        {
            await WriteCodeAsync(process, request.Code, cancellationToken);
            await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(request.TimeoutSeconds), cancellationToken);
        }
        catch (TimeoutException)
        {
            Kill(process, stop, Termination.Timeout);
        }
        catch (OperationCanceledException)
        {
            // The caller went away (the worker lost its lease or stopped): nothing may keep running.
            Kill(process, stop, Termination.Killed);
            throw;
        }
        finally
        {
            await process.WaitForExitAsync(CancellationToken.None);
            await readers;
        }

        stopwatch.Stop();
        var exitCode = process.ExitCode;
        var termination = stop.Reason ?? Classify(request.Language, exitCode);
        return new ExecutionResult(
            Succeeded: exitCode == 0 && termination is null,
            ExitCode: exitCode,
            Stdout: stdout.Text,
            Stderr: stderr.Text,
            StdoutTruncated: stdout.Truncated,
            StderrTruncated: stderr.Truncated,
            DurationMs: stopwatch.ElapsedMilliseconds,
            Termination: termination);
    }

    private static async Task WriteCodeAsync(Process process, string code, CancellationToken cancellationToken)
    {
        try
        {
            await process.StandardInput.WriteAsync(code.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process ended before reading all of its code; its exit status tells why.
        }
    }

    /// <summary>Names the limit behind an exit the host did not cause itself.</summary>
    public static Termination? Classify(SandboxLanguage language, int exitCode) => exitCode switch
    {
        // Only Python's runner turns a MemoryError into this status; a script may exit 86 on its own.
        ProcessLauncher.MemoryExitCode when language == SandboxLanguage.Python => Termination.Memory,
        128 + 24 => Termination.Timeout, // SIGXCPU: the CPU-time limit
        > 128 => Termination.Killed,     // another signal: SIGKILL at a hard limit, SIGSEGV …
        _ => null,
    };

    private void Kill(Process process, StopReason stop, Termination reason)
    {
        lock (stop)
        {
            stop.Reason ??= reason;
        }
        try
        {
            // bubblewrap's init dies with it, and the kernel then kills everything in its PID namespace.
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        _logger.LogInformation("Execution stopped: {Reason}", reason);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class StopReason
    {
        public Termination? Reason { get; set; }
    }

    /// <summary>Reads a stream up to a cap, calling back once when the cap is exceeded; never buffers more.</summary>
    private sealed class CappedReader(Stream stream, int cap)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new();

        public bool Truncated { get; private set; }
        public string Text => Encoding.UTF8.GetString(_buffer.WrittenSpan);

        public async Task ReadAsync(Action onOverflow)
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                var room = cap - _buffer.WrittenCount;
                if (read > room)
                {
                    _buffer.Write(chunk.AsSpan(0, Math.Max(room, 0)));
                    if (!Truncated)
                    {
                        Truncated = true;
                        onOverflow();
                    }
                    continue; // drain what is left so the process is never blocked on a full pipe
                }
                _buffer.Write(chunk.AsSpan(0, read));
            }
        }
    }
}
