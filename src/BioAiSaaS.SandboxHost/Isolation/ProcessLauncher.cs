using System.Diagnostics;
using System.Globalization;
using BioAiSaaS.Core.Sandbox;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>
/// Builds the command line that runs one execution: a shell that opens the seccomp filter on descriptor 9 and
/// execs rlimits (prlimit) around a drop to an unprivileged uid (setpriv) around bubblewrap's namespaces and
/// seccomp filter, with the interpreter reading the code from stdin.
/// </summary>
public sealed class ProcessLauncher
{
    /// <summary>Exit status the runner uses for a MemoryError (see runner.py).</summary>
    public const int MemoryExitCode = 86;
    public const string WorkspacePath = "/workspace";
    private const string BashPath = "/bin/bash";
    private const string RunnerMountPath = "/opt/bioaisaas/runner.py";

    private readonly SandboxOptions _options;
    private readonly string _runnerPath;
    /// <summary>bubblewrap's part of the command line is the same for every execution: built once, not per run.</summary>
    private readonly string[] _bubblewrap;

    /// <summary>The descriptor bubblewrap reads the seccomp program from.</summary>
    private const string SeccompDescriptor = "9";
    private readonly SeccompFilterFile _seccomp;

    public ProcessLauncher(IOptions<SandboxOptions> options, IHostEnvironment environment, SeccompFilterFile seccomp)
    {
        _options = options.Value;
        _seccomp = seccomp;
        _runnerPath = Path.Combine(environment.ContentRootPath, "Isolation", "runner.py");
        _bubblewrap = BubblewrapArguments();
    }

    public bool Isolated => !_options.AllowUnisolated;

    public ProcessStartInfo Create(ExecutionRequest request, int uid, string? unisolatedWorkspace)
    {
        var start = new ProcessStartInfo(Isolated ? "/bin/sh" : _options.PrlimitPath)
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
        if (Isolated)
        {
            // exec keeps the pid, so killing the execution's process tree still reaches everything below.
            Add(args, "-c", $"exec \"$@\" {SeccompDescriptor}<\"$0\"", _seccomp.Path, _options.PrlimitPath);
        }
        var cpu = request.TimeoutSeconds;
        // Soft CPU limit raises SIGXCPU (reported as timeout); the hard one a second later is the backstop.
        Add(args, $"--cpu={cpu}:{cpu + 1}", $"--as={_options.MemoryLimitBytes}", $"--nproc={_options.MaxProcesses}",
            $"--nofile={_options.MaxOpenFiles}", $"--fsize={_options.FileSizeLimitBytes}", "--core=0", "--");
        if (Environment.IsPrivilegedProcess)
        {
            // As root, drop to the slot's own uid; an unprivileged host already runs as a non-root user.
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

        switch (request.Language)
        {
            case SandboxLanguage.Python:
                Add(args, _options.PythonPath, "-I", "-u", "-B", Isolated ? RunnerMountPath : _runnerPath);
                break;
            case SandboxLanguage.Bash:
                // Like runner.py: take the whole script from stdin first, so commands in it that read stdin
                // see an empty one instead of the rest of the script.
                Add(args, BashPath, "--noprofile", "--norc", "-c",
                    """f=$(mktemp) && cat >"$f" && exec /bin/bash --noprofile --norc "$f" </dev/null""");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Language, "No launcher for this language.");
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
                     "/etc/fonts", "/etc/matplotlibrc", "/etc/localtime", "/etc/mime.types" })
        {
            Add(args, "--ro-bind-try", path, path);
        }
        Add(args, "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/tmp",
            "--size", size, "--tmpfs", WorkspacePath,
            "--ro-bind", _runnerPath, RunnerMountPath,
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
