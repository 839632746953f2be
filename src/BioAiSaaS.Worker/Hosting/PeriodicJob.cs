namespace BioAiSaaS.Worker.Hosting;

/// <summary>
/// A background job that does one round of work every <see cref="Interval"/>. A round that fails is logged and the
/// next one retries it: the jobs built on this keep their state in PostgreSQL, so a lost round loses nothing.
/// </summary>
public abstract class PeriodicJob(TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time => time;

    protected ILogger Logger => logger;

    /// <summary>How long between the starts of two rounds.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One round of the job's work.</summary>
    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunRoundAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "A round of {Job} failed; the next round retries", GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
