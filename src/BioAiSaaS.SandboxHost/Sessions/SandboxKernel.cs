using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioAiSaaS.SandboxHost.Isolation;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>Thrown when a kernel cannot be started, or stops answering the way kernel.py does.</summary>
public sealed class KernelFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One running kernel.py inside its own sandbox: the process, its three channels (stdout, stderr, control)
/// and the paths the host reaches it by. A kernel serves one session and dies with it.
/// </summary>
public sealed class SandboxKernel : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly string _directory;
    private readonly ControlChannel _control;

    private SandboxKernel(Process process, string directory, ControlChannel control, int uid)
    {
        _process = process;
        _directory = directory;
        _control = control;
        Uid = uid;
        Stdout = new OutputChannel(process.StandardOutput.BaseStream);
        Stderr = new OutputChannel(process.StandardError.BaseStream);
        Exited = RecordExitAsync();
    }

    private int? _exitCode;
    private int _killed;

    private async Task RecordExitAsync()
    {
        await _process.WaitForExitAsync();
        _exitCode = _process.ExitCode;
    }

    public int Uid { get; }
    public OutputChannel Stdout { get; }
    public OutputChannel Stderr { get; }
    public Task Exited { get; }
    public bool HasExited => Exited.IsCompleted;
    public int? ExitCode => _exitCode;
    public string? PythonVersion { get; private set; }

    /// <summary>The kernel's own pid on the host, for interrupts.</summary>
    public int KernelPid { get; private set; }

    /// <summary>The session's workspace as the host sees it (through the kernel's mount namespace when isolated).</summary>
    public string WorkspaceRoot { get; private set; } = "";

    /// <summary>Starts a kernel and waits until it is ready (with <paramref name="preload"/>, once it has imported the scientific stack).</summary>
    public static async Task<SandboxKernel> StartAsync(ProcessLauncher launcher, int uid, string fifoDirectory, bool preload,
        CancellationToken cancellationToken)
    {
        // A private directory per kernel: the control FIFO (and, without isolation, the workspace) live there.
        var directory = Path.Combine(fifoDirectory, $"k{uid.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fifo = Path.Combine(directory, "control");
        if (Native.MakeFifo(fifo, 0b110_000_000) != 0)
        {
            throw new KernelFailedException($"mkfifo failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
        string? workspace = null;
        if (!launcher.Isolated)
        {
            workspace = Directory.CreateDirectory(Path.Combine(directory, "workspace")).FullName;
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.OtherExecute);
            File.SetUnixFileMode(workspace, (UnixFileMode)0b111_111_111);
        }

        var process = Process.Start(launcher.CreateKernel(uid, fifo, workspace, preload))
                      ?? throw new KernelFailedException("The kernel process did not start.");
        try
        {
            // Opening the FIFO's read end waits for the kernel's shell to open the write end. Holding only the
            // read end means the channel ends exactly when the last writer inside the sandbox is gone.
            var open = Task.Run(() => OpenControl(fifo));
            if (await Task.WhenAny(open, process.WaitForExitAsync(cancellationToken)) != open)
            {
                ReleaseBlockedOpen(fifo);
                await open;
            }
            var control = new ControlChannel(await open);
            var kernel = new SandboxKernel(process, directory, control, uid);
            try
            {
                await kernel.WaitReadyAsync(launcher.Isolated, workspace, cancellationToken);
                return kernel;
            }
            catch
            {
                await kernel.DisposeAsync();
                throw;
            }
        }
        catch (Exception e) when (e is not KernelFailedException and not OperationCanceledException)
        {
            Kill(process);
            throw new KernelFailedException($"The kernel did not start: {e.Message}", e);
        }
    }

    private async Task WaitReadyAsync(bool isolated, string? workspace, CancellationToken cancellationToken)
    {
        JsonElement ready;
        try
        {
            ready = await _control.ReceiveAsync(cancellationToken).AsTask().WaitAsync(StartPatience, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var stderr = await StderrSoFarAsync();
            throw new KernelFailedException(
                $"The kernel did not become ready (exit status {ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}): {stderr}", e);
        }
        PythonVersion = ready.TryGetProperty("python", out var version) ? version.GetString() : null;
        // Isolated: sh → prlimit → setpriv → bwrap all exec into one pid; bwrap's child is the sandbox's init,
        // whose child is the kernel.
        KernelPid = isolated ? ChildOf(ChildOf(_process.Id)) : _process.Id;
        WorkspaceRoot = isolated
            ? $"/proc/{KernelPid.ToString(CultureInfo.InvariantCulture)}/root{ProcessLauncher.WorkspacePath}"
            : workspace!;
    }

    private async Task<string> StderrSoFarAsync()
    {
        var output = Stderr.Begin([0], 16 * 1024, () => { });
        await Stderr.Completion.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return output.Text.Trim();
    }

    private static int ChildOf(int pid)
    {
        var path = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task/{pid.ToString(CultureInfo.InvariantCulture)}/children";
        var children = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1
            ? int.Parse(children[0], CultureInfo.InvariantCulture)
            : throw new KernelFailedException($"Expected one child of {pid}, found {children.Length}.");
    }

    /// <summary>Sends one request and waits for its reply.</summary>
    public async Task<JsonElement> RequestAsync<T>(T request, CancellationToken cancellationToken)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request, KernelJson.Options).AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            return await _control.ReceiveAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Threading.Channels.ChannelClosedException or JsonException)
        {
            throw new KernelFailedException("The kernel went away.", e);
        }
    }

    /// <summary>Asks the running cell to stop (KeyboardInterrupt in Python; bash and R children are killed).</summary>
    public void Interrupt()
    {
        if (!HasExited && KernelPid > 0)
        {
            Native.Kill(KernelPid, Native.SigInt);
        }
    }

    /// <summary>
    /// Kills every process in the session's PID namespace except its init and the kernel: what a stopped cell started
    /// (a fork bomb's copies of the kernel) would otherwise compete with the kernel's own unwinding for the CPU and the
    /// grace period, and on a loaded host cost the session its state.
    /// </summary>
    public void KillOtherProcesses()
    {
        if (HasExited || KernelPid <= 0 || !Environment.IsPrivilegedProcess)
        {
            return;
        }
        try
        {
            var ns = new FileInfo($"/proc/{KernelPid}/ns/pid").LinkTarget;
            var stat = File.ReadAllText($"/proc/{KernelPid}/stat");
            // "pid (comm) state ppid …": the command may hold spaces and parentheses, so read after the last ')'.
            var init = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            foreach (var entry in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && pid != KernelPid && pid != init && SameNamespace(pid, ns))
                {
                    Native.Kill(pid, Native.SigKill);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The kernel is gone, or /proc moved under us: the escalation's kill covers what is left.
        }
    }

    private static bool SameNamespace(int pid, string? ns)
    {
        try
        {
            return ns is not null && new FileInfo($"/proc/{pid}/ns/pid").LinkTarget == ns;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // it ended meanwhile
        }
    }

    /// <summary>Back to normal scheduling priority (warm kernels start at nice 10); only a root host may lower nice.</summary>
    public void RaisePriority()
    {
        if (Environment.IsPrivilegedProcess && KernelPid > 0)
        {
            _ = Native.SetPriority(Native.PriorityProcess, KernelPid, 0);
        }
    }

    /// <summary>Ends the sandbox: bubblewrap's init dies with it, and with the init every process in the namespace.</summary>
    public void Kill()
    {
        if (!HasExited && Interlocked.Exchange(ref _killed, 1) == 0)
        {
            Kill(_process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>
    /// The FIFO's read end as a pipe stream: its reads wait on epoll like the stdout and stderr pipes do. A FileStream's
    /// reads would each hold a thread-pool thread for the session's whole life, and with a few sessions starve the
    /// pool (requests then waited ~1 s for the pool to grow).
    /// </summary>
    private static System.IO.Pipes.AnonymousPipeClientStream OpenControl(string fifo)
    {
        using var file = File.OpenHandle(fifo, FileMode.Open, FileAccess.Read);
        var pipe = new Microsoft.Win32.SafeHandles.SafePipeHandle(file.DangerousGetHandle(), ownsHandle: true);
        file.SetHandleAsInvalid();
        return new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, pipe);
    }

    /// <summary>Unblocks a read-end open that no kernel will ever meet, by meeting it from the host.</summary>
    private static void ReleaseBlockedOpen(string fifo)
    {
        try
        {
            using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Exited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(Stdout.Completion, Stderr.Completion, _control.Completion)
            .WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Files the code left in an unisolated workspace may belong to it; the directory is in /tmp.
        }
    }
}

/// <summary>The kernel protocol speaks camelCase JSON and never writes nulls.</summary>
internal static class KernelJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
