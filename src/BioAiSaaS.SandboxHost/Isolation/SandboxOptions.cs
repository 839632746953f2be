using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>Limits and paths for code execution, bound from the <c>Sandbox</c> section and validated at start-up.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Debian's interpreter, which has numpy, pandas, scipy, biopython and matplotlib.</summary>
    [Required] public string PythonPath { get; set; } = "/usr/bin/python3";
    [Required] public string BwrapPath { get; set; } = "/usr/bin/bwrap";
    [Required] public string PrlimitPath { get; set; } = "/usr/bin/prlimit";
    [Required] public string SetprivPath { get; set; } = "/usr/bin/setpriv";

    /// <summary>
    /// Development only: run code without bubblewrap (rlimits still apply) where namespaces are unavailable.
    /// Off by default: without isolation the host refuses to start.
    /// </summary>
    public bool AllowUnisolated { get; set; }

    [Range(1, 256)] public int MaxConcurrentExecutions { get; set; } = 4;
    /// <summary>How long a request waits for a free slot before the host answers 503.</summary>
    [Range(0, 300)] public int QueueWaitSeconds { get; set; } = 10;

    /// <summary>Address-space limit (RLIMIT_AS) of every process in an execution.</summary>
    [Range(64L << 20, 64L << 30)] public long MemoryLimitBytes { get; set; } = 2L << 30;
    /// <summary>Per stream; past it the process tree is killed and the run ends as <c>output_limit</c>.</summary>
    [Range(1024, 64 << 20)] public int OutputLimitBytes { get; set; } = 1 << 20;
    /// <summary>Largest single file the code may write (RLIMIT_FSIZE).</summary>
    [Range(1024, 4L << 30)] public long FileSizeLimitBytes { get; set; } = 64L << 20;
    /// <summary>Size of the private tmpfs workspace (and of /tmp) inside the sandbox.</summary>
    [Range(1L << 20, 16L << 30)] public long WorkspaceSizeBytes { get; set; } = 256L << 20;
    /// <summary>Processes and threads the execution's user may own (RLIMIT_NPROC): contains fork bombs.</summary>
    [Range(4, 4096)] public int MaxProcesses { get; set; } = 64;
    [Range(16, 65536)] public int MaxOpenFiles { get; set; } = 256;

    /// <summary>
    /// First of <see cref="MaxConcurrentExecutions"/> host uids the executions run as, one each, so the
    /// process limit counts one execution's processes only and no execution runs as root.
    /// </summary>
    [Range(1000, int.MaxValue - 65536)] public int FirstSandboxUid { get; set; } = 200_000;
}
