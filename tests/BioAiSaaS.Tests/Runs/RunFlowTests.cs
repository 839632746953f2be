using System.Net;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Runs;

/// <summary>End to end: Api → PostgreSQL + Redis stream → Worker → SandboxHost → PostgreSQL, over HTTP.</summary>
[Collection(StackCollection.Name)]
public sealed class RunFlowTests(StackFixture stack)
{
    [Fact]
    public async Task Submitted_run_is_accepted_with_its_location_and_starts_queued()
    {
        var (response, run) = await stack.Api.SubmitAsync("print('hi')");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/runs/{run.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Null(run.Result);
    }

    [Fact]
    public async Task Run_moves_from_queued_through_running_to_succeeded_with_its_output()
    {
        var (_, submitted) = await stack.Api.SubmitAsync(
            "import sys, time\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\ntime.sleep(1.5)\nprint(6 * 7)");

        var (run, seen) = await stack.Api.WaitForFinishAsync(submitted.Id, submitted: submitted);

        Assert.Equal([RunStatus.Queued, RunStatus.Running, RunStatus.Succeeded], seen);
        Assert.NotNull(run.Result);
        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal("to stdout\n42\n", run.Result.Stdout);
        Assert.Equal("to stderr\n", run.Result.Stderr);
        Assert.InRange(run.Result.DurationMs, 1500, 30_000);
        Assert.Null(run.Result.Termination);
        Assert.Equal(1, run.Attempts);
        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.FinishedAt);
    }

    [Fact]
    public async Task Run_whose_code_raises_ends_failed_with_the_traceback()
    {
        var (_, submitted) = await stack.Api.SubmitAsync("def f():\n    raise ValueError('boom')\nf()");

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(1, run.Result!.ExitCode);
        Assert.Contains("ValueError: boom", run.Result.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 2, in f", run.Result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("runner.py", run.Result.Stderr, StringComparison.Ordinal);
        Assert.Null(run.Error);
    }

    [Fact]
    public async Task Run_can_use_the_scientific_python_stack()
    {
        var (_, submitted) = await stack.Api.SubmitAsync(
            "import numpy as np, pandas as pd\nfrom Bio.Seq import Seq\n" +
            "print(int(np.arange(5).sum()), len(pd.DataFrame({'a': [1, 2]})), Seq('ATGGCC').translate())");

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("10 2 MA\n", run.Result!.Stdout);
    }

    [Fact]
    public async Task Run_that_exceeds_its_timeout_ends_failed_as_timeout()
    {
        var (_, submitted) = await stack.Api.SubmitAsync("while True:\n    pass", timeoutSeconds: 2);

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(BioAiSaaS.Core.Sandbox.Termination.Timeout, run.Result!.Termination);
    }

    [Fact]
    public async Task Run_longer_than_an_ordinary_HTTP_attempt_timeout_still_completes_on_its_first_attempt()
    {
        // The standard resilience handler cuts attempts at 10 s; the worker's sandbox client must allow a run its own timeout.
        var (_, submitted) = await stack.Api.SubmitAsync("import time\ntime.sleep(12)\nprint('slow but fine')", timeoutSeconds: 30);

        var (run, _) = await stack.Api.WaitForFinishAsync(submitted.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("slow but fine\n", run.Result!.Stdout);
        Assert.Equal(1, run.Attempts);
    }
}
