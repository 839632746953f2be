using System.Diagnostics;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>TOTP codes from oathtool (RFC 6238, as authenticator apps compute them), independent of our code.</summary>
public static class OathTool
{
    /// <summary>The code for the base32 <paramref name="sharedKey"/> at now + <paramref name="offsetSteps"/> × 30 s.</summary>
    public static async Task<string> TotpAsync(string sharedKey, int offsetSteps = 0)
    {
        var now = DateTimeOffset.UtcNow.AddSeconds(offsetSteps * 30).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(new ProcessStartInfo("oathtool", ["--totp", "--base32", $"--now={now} UTC", sharedKey])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"oathtool failed: {error}");
        return output.Trim();
    }
}
