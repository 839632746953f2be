namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>
/// What the host is doing right now: cells running and the last moment anything happened. Background work that
/// competes for the same cores (warming pooled kernels) waits for a quiet moment instead of slowing callers.
/// </summary>
public sealed class HostActivity(TimeProvider clock)
{
    private int _running;
    private long _lastActivity = clock.GetTimestamp();

    public bool Quiet(TimeSpan quietFor) =>
        Volatile.Read(ref _running) == 0 && clock.GetElapsedTime(Interlocked.Read(ref _lastActivity)) >= quietFor;

    public void Touch() => Interlocked.Exchange(ref _lastActivity, clock.GetTimestamp());

    /// <summary>Counts a cell as running until the returned scope is disposed.</summary>
    public Scope Running()
    {
        Interlocked.Increment(ref _running);
        Touch();
        return new Scope(this);
    }

    public async Task WaitQuietAsync(TimeSpan quietFor, CancellationToken cancellationToken)
    {
        while (!Quiet(quietFor))
        {
            await Task.Delay(quietFor, clock, cancellationToken);
        }
    }

    public readonly struct Scope(HostActivity activity) : IDisposable
    {
        public void Dispose()
        {
            activity.Touch();
            Interlocked.Decrement(ref activity._running);
        }
    }
}
