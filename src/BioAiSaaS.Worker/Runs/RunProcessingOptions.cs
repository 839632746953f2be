using System.ComponentModel.DataAnnotations;

namespace BioAiSaaS.Worker.Runs;

/// <summary>How the worker consumes the run queue; bound from <c>RunProcessing</c>, validated at start-up.</summary>
public sealed class RunProcessingOptions
{
    public const string Section = "RunProcessing";

    /// <summary>Runs this worker executes at once.</summary>
    [Range(1, 64)] public int MaxConcurrentRuns { get; set; } = 4;

    /// <summary>
    /// How long a claim on a run lasts without renewal. A live worker renews every third of it; a run whose
    /// lease lapsed (its worker died) is claimed again by another worker.
    /// </summary>
    [Range(2, 3600)] public int LeaseSeconds { get; set; } = 30;

    /// <summary>Attempts before a run that keeps losing its worker or its sandbox is failed for good.</summary>
    [Range(1, 20)] public int MaxAttempts { get; set; } = 3;

    /// <summary>Fallback poll interval; a pub/sub nudge wakes idle workers sooner.</summary>
    [Range(50, 60_000)] public int PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>How often the sweeper looks for accepted runs that never reached the queue.</summary>
    [Range(1, 3600)] public int SweepIntervalSeconds { get; set; } = 5;

    /// <summary>Age after which an undispatched run is the sweeper's (the Api dispatches right away).</summary>
    [Range(0, 3600)] public int DispatchGraceSeconds { get; set; } = 2;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}
