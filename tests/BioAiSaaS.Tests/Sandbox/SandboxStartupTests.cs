using System.Diagnostics;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>The real SandboxHost binary, started on its own with isolation made impossible.</summary>
public sealed class SandboxStartupTests
{
    [Fact]
    public async Task Host_without_working_isolation_refuses_to_start_and_says_why()
    {
        var host = Path.Combine(AppContext.BaseDirectory, "BioAiSaaS.SandboxHost.dll");
        var start = new ProcessStartInfo("dotnet", [host, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Sandbox__BwrapPath"] = "/nonexistent/bwrap";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.NotEqual(0, process.ExitCode);
        var log = await output + await errors;
        Assert.Contains("will not start", log, StringComparison.Ordinal);
        Assert.Contains("Sandbox__AllowUnisolated", log, StringComparison.Ordinal);
    }
}
