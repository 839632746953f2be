using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Executions;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>
/// Proves at start-up that isolated execution works here (bubblewrap, namespaces, the interpreter and
/// its scientific packages) and stops the host with a clear message when it does not.
/// </summary>
public sealed class IsolationProbe(CodeExecutor executor, ProcessLauncher launcher, ILogger<IsolationProbe> logger) : IHostedService
{
    private const string ProbeCode = "import sys, numpy, pandas, scipy, Bio, matplotlib; print(sys.version.split()[0])";

    public string? PythonVersion { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!launcher.Isolated)
        {
            logger.LogWarning("Sandbox:AllowUnisolated is set: code runs WITHOUT namespace isolation. Development only.");
        }

        var result = await executor.ExecuteAsync(new ExecutionRequest(SandboxLanguage.Python, ProbeCode, 60), cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                "The sandbox cannot run isolated Python here, so the SandboxHost will not start. " +
                "It needs bubblewrap with user, PID, network and mount namespaces, prlimit and setpriv (util-linux), " +
                "and Debian's python3 with numpy, pandas, scipy, biopython and matplotlib: run eng/bootstrap.sh. " +
                "For development only, Sandbox__AllowUnisolated=true runs code without isolation. " +
                $"Probe exit status {result.ExitCode}; stderr: {result.Stderr.Trim()}");
        }
        PythonVersion = result.Stdout.Trim();
        logger.LogInformation("Sandbox ready: Python {Version}, isolation {Isolation}", PythonVersion,
            launcher.Isolated ? "bubblewrap" : "none");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
