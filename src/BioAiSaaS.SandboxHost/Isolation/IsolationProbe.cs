using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Sessions;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>
/// Proves at start-up that isolated execution works here (bubblewrap, namespaces, the kernel and its
/// scientific packages) and stops the host with a clear message when it does not. Also finds out whether
/// the optional R is installed.
/// </summary>
public sealed class IsolationProbe(SessionManager sessions, ProcessLauncher launcher, IOptions<SandboxOptions> options,
    ILogger<IsolationProbe> logger) : IHostedService
{
    private const string ProbeCode = "import sys, numpy, pandas, scipy, Bio, matplotlib; print(sys.version.split()[0])";

    public string? PythonVersion { get; private set; }

    /// <summary>R's version when Debian's r-base-core is installed (the sandbox then accepts R); otherwise null.</summary>
    public string? RVersion { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!launcher.Isolated)
        {
            logger.LogWarning("Sandbox:AllowUnisolated is set: code runs WITHOUT namespace isolation. Development only.");
        }

        ExecutionResult result;
        try
        {
            result = await sessions.ExecuteOnceAsync(new ExecutionRequest(SandboxLanguage.Python, ProbeCode, 60), cancellationToken);
        }
        catch (KernelFailedException failed)
        {
            throw Refusal(failed.Message);
        }
        if (!result.Succeeded)
        {
            throw Refusal($"Probe exit status {result.ExitCode}; stderr: {result.Stderr.Trim()}");
        }
        PythonVersion = result.Stdout.Trim();

        if (File.Exists(options.Value.RscriptPath))
        {
            var r = await sessions.ExecuteOnceAsync(new ExecutionRequest(SandboxLanguage.R,
                "cat(R.version$major, R.version$minor, sep = '.')", 60), cancellationToken);
            RVersion = r.Succeeded ? r.Stdout.Trim() : null;
        }
        logger.LogInformation("Sandbox ready: Python {Version}, R {RVersion}, isolation {Isolation}", PythonVersion,
            RVersion ?? "not installed", launcher.Isolated ? "bubblewrap" : "none");
    }

    private static InvalidOperationException Refusal(string why) => new(
        "The sandbox cannot run isolated Python here, so the SandboxHost will not start. " +
        "It needs bubblewrap with user, PID, network and mount namespaces, prlimit and setpriv (util-linux), " +
        "and Debian's python3 with numpy, pandas, scipy, biopython and matplotlib: run eng/bootstrap.sh. " +
        "For development only, Sandbox__AllowUnisolated=true runs code without isolation. " + why);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
