using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Sessions;

namespace BioAiSaaS.Tests.Sandbox;

public sealed class CodeSubmissionTests
{
    [Fact]
    public void Valid_submission_becomes_a_request_with_the_default_timeout()
    {
        Assert.True(new CodeSubmission("Python", "print(1)", null).TryValidate(out var request, out var errors));

        Assert.Empty(errors);
        Assert.Equal(new ExecutionRequest(SandboxLanguage.Python, "print(1)", ExecutionLimits.DefaultTimeoutSeconds), request);
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        Assert.False(new CodeSubmission("perl", "", 0).TryValidate(out _, out var errors));

        Assert.Equal(["code", "language", "timeoutSeconds"], errors.Keys.Order());
        Assert.Contains("Supported: python", errors["language"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExecutionLimits.MaxCodeLength, true)]
    [InlineData(ExecutionLimits.MaxCodeLength + 1, false)]
    public void Code_length_is_capped(int length, bool valid)
    {
        Assert.Equal(valid, new CodeSubmission("python", new string('x', length), 5).TryValidate(out _, out _));
    }

    [Theory]
    [InlineData(ExecutionLimits.MinTimeoutSeconds, true)]
    [InlineData(ExecutionLimits.MaxTimeoutSeconds, true)]
    [InlineData(ExecutionLimits.MinTimeoutSeconds - 1, false)]
    [InlineData(ExecutionLimits.MaxTimeoutSeconds + 1, false)]
    public void Timeout_must_lie_within_the_limits(int timeout, bool valid)
    {
        Assert.Equal(valid, new CodeSubmission("python", "print(1)", timeout).TryValidate(out _, out _));
    }
}

public sealed class TerminationClassificationTests
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(86, Termination.Memory)]   // the runner's MemoryError status
    [InlineData(152, Termination.Timeout)] // SIGXCPU: CPU-time limit
    [InlineData(137, Termination.Killed)]  // SIGKILL
    [InlineData(139, Termination.Killed)]  // SIGSEGV
    public void Exit_status_names_the_limit_that_ended_the_process(int exitCode, Termination? expected)
    {
        Assert.Equal(expected, SandboxSession.Classify(SandboxLanguage.Python, exitCode));
    }

    [Fact]
    public void A_bash_script_exiting_86_is_not_mistaken_for_running_out_of_memory()
    {
        Assert.Null(SandboxSession.Classify(SandboxLanguage.Bash, 86));
        Assert.Equal(Termination.Killed, SandboxSession.Classify(SandboxLanguage.Bash, 137));
    }
}
