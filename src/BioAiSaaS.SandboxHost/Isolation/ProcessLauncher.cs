using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>
/// Builds the command line of one session's kernel: a shell that opens the seccomp filter on descriptor 9 and
/// the control channel on descriptor 3, then execs rlimits (prlimit) around a drop to the session's own
/// unprivileged uid (setpriv) around bubblewrap's namespaces and seccomp filter around kernel.py.
/// </summary>
public sealed class ProcessLauncher
{
    /// <summary>Exit status the kernel uses when it runs out of memory itself (see kernel.py).</summary>
    public const int MemoryExitCode = 86;
    public const string WorkspacePath = "/workspace";
    private const string KernelMountPath = "/opt/bioaisaas/kernel.py";

    private readonly SandboxOptions _options;
    private readonly string _kernelPath;
    /// <summary>bubblewrap's part of the command line is the same for every session: built once.</summary>
    private readonly string[] _bubblewrap;

    /// <summary>The descriptor bubblewrap reads the seccomp program from.</summary>
    private const string SeccompDescriptor = "9";
    private readonly SeccompFilterFile _seccomp;

    public ProcessLauncher(IOptions<SandboxOptions> options, IHostEnvironment environment, SeccompFilterFile seccomp)
    {
        _options = options.Value;
        _seccomp = seccomp;
        _kernelPath = Path.Combine(environment.ContentRootPath, "Isolation", "kernel.py");
        _bubblewrap = BubblewrapArguments();
    }

    public bool Isolated => !_options.AllowUnisolated;

    /// <param name="uid">The host uid the session runs as (when the host is root).</param>
    /// <param name="controlPath">The FIFO the kernel answers on (descriptor 3).</param>
    /// <param name="unisolatedWorkspace">The workspace directory, only when running without isolation.</param>
    /// <param name="preload">Import the scientific stack before answering ready (pooled kernels).</param>
    public ProcessStartInfo CreateKernel(int uid, string controlPath, string? unisolatedWorkspace, bool preload)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing of the host's environment (connection strings, tokens) reaches even the launchers.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";

        var args = start.ArgumentList;
        // exec keeps the pid all the way down to bubblewrap, so killing that process ends the whole session.
        Add(args, "-c", $"c=$1; f=$2; shift 2; exec \"$@\" 3>\"$c\" {SeccompDescriptor}<\"$f\"", "sh",
            controlPath, Isolated ? _seccomp.Path : "/dev/null");
        if (preload)
        {
            // Warming a pooled kernel (importing the stack) must not take CPU from cells that are running.
            Add(args, "/usr/bin/nice", "-n", "10");
        }
        Add(args, _options.PrlimitPath);
        // The CPU limit spans the session's life; each execution's own limit is a wall-clock one.
        var cpu = _options.MaxLifetimeSeconds;
        Add(args, $"--cpu={cpu}:{cpu + 1}", $"--as={_options.MemoryLimitBytes}", $"--nproc={_options.MaxProcesses}",
            $"--nofile={_options.MaxOpenFiles}", $"--fsize={_options.FileSizeLimitBytes}", "--core=0", "--");
        if (Environment.IsPrivilegedProcess)
        {
            // As root, drop to the session's own uid; an unprivileged host already runs as a non-root user.
            Add(args, _options.SetprivPath, $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--no-new-privs", "--");
        }

        if (Isolated)
        {
            Add(args, _bubblewrap);
        }
        else
        {
            start.WorkingDirectory = unisolatedWorkspace;
            foreach (var (name, value) in SandboxEnvironment(unisolatedWorkspace!))
            {
                start.Environment[name] = value;
            }
        }
        Add(args, _options.PythonPath, "-I", "-u", "-B", Isolated ? KernelMountPath : _kernelPath, $"--rscript={_options.RscriptPath}");
        if (Isolated)
        {
            Add(args, "--isolated");
        }
        if (preload)
        {
            Add(args, "--preload");
        }
        return start;
    }

    private string[] BubblewrapArguments()
    {
        var args = new List<string>();
        var size = _options.WorkspaceSizeBytes.ToString(CultureInfo.InvariantCulture);
        Add(args, _options.BwrapPath,
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--seccomp", SeccompDescriptor,
            "--ro-bind", "/usr", "/usr");
        // Debian is usr-merged: /bin, /lib … are symlinks into /usr; mirror whatever the host has.
        foreach (var dir in new[] { "bin", "sbin", "lib", "lib32", "lib64" })
        {
            var info = new FileInfo("/" + dir);
            if (info.LinkTarget is { } target)
            {
                Add(args, "--symlink", target, "/" + dir);
            }
            else if (Directory.Exists("/" + dir))
            {
                Add(args, "--ro-bind", "/" + dir, "/" + dir);
            }
        }
        // Only the few files of /etc the interpreter and its libraries read (BLAS alternatives, fonts).
        foreach (var path in new[] { "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                     "/etc/fonts", "/etc/matplotlibrc", "/etc/localtime", "/etc/mime.types", "/etc/R" })
        {
            Add(args, "--ro-bind-try", path, path);
        }
        Add(args, "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/tmp",
            "--size", size, "--tmpfs", WorkspacePath,
            "--ro-bind", _kernelPath, KernelMountPath,
            // bubblewrap builds the new root on a tmpfs; freeze it so only /workspace and /tmp take writes.
            "--remount-ro", "/",
            "--chdir", WorkspacePath,
            "--clearenv");
        foreach (var (name, value) in SandboxEnvironment(WorkspacePath))
        {
            Add(args, "--setenv", name, value);
        }
        Add(args, "--");
        return [.. args];
    }

    /// <summary>The whole environment the code sees: an allow-list, never the host's.</summary>
    private static IEnumerable<(string Name, string Value)> SandboxEnvironment(string home) =>
    [
        ("PATH", "/usr/bin:/bin"),
        ("HOME", home),
        ("LANG", "C.UTF-8"),
        ("MPLBACKEND", "Agg"),
        ("MPLCONFIGDIR", "/tmp/matplotlib"),
        // Caches (fontconfig …) go to /tmp, not into the workspace the caller sees as the code's output.
        ("XDG_CACHE_HOME", "/tmp/.cache"),
        // One BLAS thread: threads count against the process limit and there are only a few cores.
        ("OPENBLAS_NUM_THREADS", "1"),
        ("OMP_NUM_THREADS", "1"),
    ];

    private static void Add(IList<string> args, params string[] values)
    {
        foreach (var value in values)
        {
            args.Add(value);
        }
    }
}
