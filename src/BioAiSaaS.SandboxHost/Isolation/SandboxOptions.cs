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
    /// <summary>R, when Debian's r-base-core is installed; optional: without it the host offers no R.</summary>
    [Required] public string RscriptPath { get; set; } = "/usr/bin/Rscript";

    /// <summary>
    /// Development only: run code without bubblewrap (rlimits still apply) where namespaces are unavailable.
    /// Off by default: without isolation the host refuses to start.
    /// </summary>
    public bool AllowUnisolated { get; set; }

    /// <summary>Executions running at once across all sessions (each takes a core while it computes).</summary>
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

    /// <summary>Open sessions on this host; past it, creating one answers 503.</summary>
    [Range(1, 4096)] public int MaxSessions { get; set; } = 32;
    /// <summary>Open sessions per tenant; past it, creating one answers 429.</summary>
    [Range(1, 4096)] public int MaxSessionsPerTenant { get; set; } = 8;
    /// <summary>Kernels kept started, with the scientific stack imported, so that a new session is ready at once.</summary>
    [Range(0, 256)] public int WarmSessions { get; set; } = 2;
    /// <summary>A session unused this long is ended (OpenAI's code interpreter: 20 minutes).</summary>
    [Range(10, 86_400)] public int IdleTimeoutSeconds { get; set; } = 20 * 60;
    /// <summary>No session lives longer than this, busy or not; it is also the session's CPU-time limit.</summary>
    [Range(5, 7 * 86_400)] public int MaxLifetimeSeconds { get; set; } = 4 * 3600;
    /// <summary>After an interrupt (timeout, output cap, caller gone), how long a cell gets to stop before the session is killed.</summary>
    [Range(1, 60)] public int InterruptGraceSeconds { get; set; } = 2;
    /// <summary>How often idle and over-age sessions are looked for.</summary>
    [Range(1, 3600)] public int SweepIntervalSeconds { get; set; } = 2;
    /// <summary>Largest file accepted by <c>PUT /v1/sessions/{id}/files/{path}</c>.</summary>
    [Range(1024, 4L << 30)] public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>
    /// First of the host uids sessions run as, one per session (handed out in turn, several per possible
    /// session), so the process limit counts one session's processes only and no session runs as root.
    /// </summary>
    [Range(1000, int.MaxValue - 65536)] public int FirstSandboxUid { get; set; } = 200_000;
}
