using System.Collections.Concurrent;
using BioAiSaaS.SandboxHost.Isolation;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>Thrown when the host has no room for another session (or another execution).</summary>
public sealed class SandboxFullException(string message) : Exception(message);

/// <summary>
/// Keeps <see cref="SandboxOptions.WarmSessions"/> kernels started, each with the scientific stack imported,
/// so a new session is handed one that is ready at once; refills in the background, one kernel at a time.
/// Kernels are never reused: a kernel that served a session dies with it.
/// </summary>
public sealed class KernelPool : BackgroundService
{
    private readonly ProcessLauncher _launcher;
    private readonly SandboxOptions _options;
    private readonly ILogger<KernelPool> _logger;
    private readonly ConcurrentQueue<SandboxKernel> _warm = new();
    private readonly SemaphoreSlim _refill = new(0);
    private readonly ConcurrentQueue<int> _uids = new();
    private readonly ConcurrentDictionary<Task, bool> _teardowns = new();
    private readonly string _directory;

    /// <summary>How long the host must have been idle before a kernel is warmed.</summary>
    private static readonly TimeSpan QuietFor = TimeSpan.FromMilliseconds(250);
    private readonly HostActivity _activity;

    public KernelPool(ProcessLauncher launcher, HostActivity activity, IOptions<SandboxOptions> options, ILogger<KernelPool> logger)
    {
        _launcher = launcher;
        _activity = activity;
        _options = options.Value;
        _logger = logger;
        // Twice as many uids as kernels can exist at once, handed out in turn, so a uid rests while its last
        // namespace is torn down: a uid reused at once can meet its own dying processes under RLIMIT_NPROC
        // ("bwrap: Can't fork for pid 1"; bench/nproc-reuse.sh).
        var kernels = _options.MaxSessions + _options.MaxConcurrentExecutions + _options.WarmSessions + 1;
        for (var i = 0; i < kernels * 2; i++)
        {
            _uids.Enqueue(_options.FirstSandboxUid + i);
        }
        _directory = Path.Combine(Path.GetTempPath(), $"bioaisaas-sandbox-{Environment.ProcessId}");
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.OtherExecute);
    }

    /// <summary>
    /// A ready kernel: a warm one when there is one, else one started now without the scientific stack (ready in
    /// tens of milliseconds; its cells import what they use, instead of every caller waiting for a full preload).
    /// </summary>
    public async Task<SandboxKernel> TakeAsync(CancellationToken cancellationToken)
    {
        _activity.Touch();
        while (_warm.TryDequeue(out var kernel))
        {
            _refill.Release();
            if (!kernel.HasExited)
            {
                // Warmed at low priority so a refill never slows running cells; the session runs at normal priority.
                kernel.RaisePriority();
                return kernel;
            }
            await kernel.DisposeAsync();
        }
        _refill.Release();
        return await StartKernelAsync(preload: false, cancellationToken);
    }

    /// <summary>
    /// Kills a kernel at once; tearing its namespaces down (tens of milliseconds) and giving its uid back happen
    /// in the background, off the caller's response.
    /// </summary>
    public void Release(SandboxKernel kernel)
    {
        kernel.Kill();
        var teardown = TearDownAsync(kernel);
        _teardowns[teardown] = true;
        _ = teardown.ContinueWith(t => _teardowns.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task TearDownAsync(SandboxKernel kernel)
    {
        await kernel.DisposeAsync();
        _uids.Enqueue(kernel.Uid);
    }

    private async Task<SandboxKernel> StartKernelAsync(bool preload, CancellationToken cancellationToken)
    {
        if (!_uids.TryDequeue(out var uid))
        {
            throw new SandboxFullException("Every sandbox uid is in use.");
        }
        try
        {
            return await SandboxKernel.StartAsync(_launcher, uid, _directory, preload, cancellationToken);
        }
        catch
        {
            _uids.Enqueue(uid);
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            while (_warm.Count < _options.WarmSessions && !stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // Importing the stack takes a core for about a second: only in a quiet moment, so under load
                    // callers get kernels started on demand instead of waiting behind the refill.
                    await _activity.WaitQuietAsync(QuietFor, stoppingToken);
                    _warm.Enqueue(await StartKernelAsync(preload: true, stoppingToken));
                }
                catch (Exception e) when (e is KernelFailedException or SandboxFullException)
                {
                    _logger.LogWarning(e, "Could not start a warm kernel; retrying shortly");
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
            }
            await _refill.WaitAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        while (_warm.TryDequeue(out var kernel))
        {
            Release(kernel);
        }
        await Task.WhenAll(_teardowns.Keys);
    }

    public override void Dispose()
    {
        _refill.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        base.Dispose();
    }
}
