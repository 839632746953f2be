using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>Bash scripts (for command-line bio tools) run under the same isolation and limits as Python.</summary>
[Collection(StackCollection.Name)]
public sealed class BashTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bash_script_runs_isolated_without_network_and_under_the_seccomp_filter()
    {
        var result = await ExecuteAsync("""
            set -u
            echo "uid=$(id -u)"
            echo "seccomp=$(awk '/^Seccomp:/ {print $2}' /proc/self/status)"
            if (exec 3<>/dev/tcp/1.1.1.1/53) 2>/dev/null; then echo network=open; else echo network=blocked; fi
            if touch /usr/evil 2>/dev/null; then echo usr=writable; else echo usr=read-only; fi
            echo "stdin=[$(cat)]"
            printf 'ACGT\nTTGA\n' > seqs.txt && echo "lines=$(wc -l < /workspace/seqs.txt)"
            """);

        Assert.True(result.Succeeded, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("uid=", lines[0], StringComparison.Ordinal);
        Assert.NotEqual("uid=0", lines[0]);
        Assert.Equal(["seccomp=2", "network=blocked", "usr=read-only", "stdin=[]", "lines=2"], lines[1..]);
    }

    [Fact]
    public async Task A_failing_script_reports_its_exit_status_and_stderr_without_naming_a_limit()
    {
        var result = await ExecuteAsync("echo 'no such gene' >&2\nexit 86");

        Assert.False(result.Succeeded);
        Assert.Equal(86, result.ExitCode);
        Assert.Equal("no such gene\n", result.Stderr);
        Assert.Null(result.Termination);
    }

    [Fact]
    public async Task A_bash_script_that_runs_too_long_is_killed_at_its_timeout()
    {
        var result = await ExecuteAsync("sleep 30 & sleep 30; echo never", timeoutSeconds: 2);

        Assert.False(result.Succeeded);
        Assert.Equal(Termination.Timeout, result.Termination);
        Assert.DoesNotContain("never", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bash_run_goes_through_the_api_and_worker()
    {
        var response = await stack.Api.PostAsJsonAsync("/api/runs", new { language = "bash", code = "echo $((6 * 7))" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<BioAiSaaS.Api.Runs.RunResponse>(Ct))!;

        var (finished, _) = await stack.Api.WaitForFinishAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(SandboxLanguage.Bash, finished.Language);
        Assert.Equal("42\n", finished.Result!.Stdout);
    }

    private Task<ExecutionResult> ExecuteAsync(string code, int timeoutSeconds = 20) =>
        stack.Sandbox.ExecuteAsync(code, SandboxLanguage.Bash, timeoutSeconds);
}
