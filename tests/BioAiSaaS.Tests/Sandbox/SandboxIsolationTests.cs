using System.Net;
using System.Net.Http.Json;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>Each test tries to break out of, or wear down, the real SandboxHost over HTTP.</summary>
[Collection(StackCollection.Name)]
public sealed class SandboxIsolationTests(StackFixture stack)
{
    private const int FirstSandboxUid = 200_000;

    [Fact]
    public async Task Code_cannot_open_a_socket_to_the_outside()
    {
        var result = await ExecuteAsync("""
            import socket
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=3)
                print("connected")
            except OSError as e:
                print("blocked", e.errno)
            """);

        Assert.True(result.Succeeded, result.Stderr);
        Assert.StartsWith("blocked", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_cannot_reach_services_on_the_hosts_loopback()
    {
        var apiPort = stack.Api.BaseAddress!.Port;

        var result = await ExecuteAsync($"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {apiPort}), timeout=3)
                print("connected")
            except OSError as e:
                print("blocked", e.errno)
            """);

        Assert.StartsWith("blocked", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_sees_only_the_allow_listed_environment_and_no_secrets()
    {
        var result = await ExecuteAsync("import os\nfor k in sorted(os.environ): print(k)");

        var names = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["HOME", "LANG", "MPLBACKEND", "MPLCONFIGDIR", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PATH", "PWD", "XDG_CACHE_HOME"],
            names);
    }

    [Fact]
    public async Task Code_runs_as_an_unprivileged_user_on_a_read_only_system()
    {
        var result = await ExecuteAsync("""
            import os
            print(os.getuid() != 0)
            for path in ["/usr/lib/evil", "/etc/evil", "/opt/evil"]:
                try:
                    open(path, "w").write("x")
                    print("wrote", path)
                except OSError as e:
                    print("refused", path)
            print(os.path.exists("/etc/shadow"), os.path.exists("/root"))
            """);

        Assert.Equal("True\nrefused /usr/lib/evil\nrefused /etc/evil\nrefused /opt/evil\nFalse False\n", result.Stdout);
    }

    [Fact]
    public async Task Infinite_loop_ends_as_timeout_within_its_limit()
    {
        var result = await ExecuteAsync("while True:\n    pass", timeoutSeconds: 2);

        Assert.False(result.Succeeded);
        Assert.Equal(Termination.Timeout, result.Termination);
        Assert.InRange(result.DurationMs, 1_900, 10_000);
    }

    [Fact]
    public async Task Memory_bomb_ends_as_memory()
    {
        var result = await ExecuteAsync("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))", timeoutSeconds: 30);

        Assert.False(result.Succeeded);
        Assert.Equal(Termination.Memory, result.Termination);
        Assert.Contains("MemoryError", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fork_bomb_is_contained_and_leaves_no_process_behind()
    {
        var result = await ExecuteAsync("""
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """, timeoutSeconds: 3);

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Termination);
        Assert.Empty(await SandboxProcessesAfterAsync(TimeSpan.FromSeconds(5)));
        var next = await ExecuteAsync("print('still serving')");
        Assert.Equal("still serving\n", next.Stdout);
    }

    [Fact]
    public async Task Execution_abandoned_by_its_caller_is_killed_at_once()
    {
        using var impatient = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stack.Sandbox.PostAsJsonAsync(SandboxApi.ExecutionsPath,
            new ExecutionRequest(SandboxLanguage.Python, "import time\ntime.sleep(60)", 120), impatient.Token));

        Assert.Empty(await SandboxProcessesAfterAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Printing_100_megabytes_ends_as_output_limit_with_capped_output()
    {
        var result = await ExecuteAsync("import sys\nchunk = 'x' * 1024 * 1024\nfor _ in range(100):\n    sys.stdout.write(chunk)",
            timeoutSeconds: 60);

        Assert.False(result.Succeeded);
        Assert.Equal(Termination.OutputLimit, result.Termination);
        Assert.True(result.StdoutTruncated);
        Assert.Equal(1 << 20, result.Stdout.Length);
    }

    [Fact]
    public async Task Files_written_in_one_execution_are_gone_in_the_next()
    {
        var first = await ExecuteAsync("""
            import os
            open("result.csv", "w").write("a,b\n1,2\n")
            open("/tmp/scratch", "w").write("x")
            print(sorted(os.listdir(".")))
            """);
        var second = await ExecuteAsync("import os\nprint(os.listdir('.'), os.listdir('/tmp'))");

        Assert.Equal("['result.csv']\n", first.Stdout);
        Assert.Equal("[] []\n", second.Stdout);
    }

    [Fact]
    public async Task Back_to_back_executions_on_every_slot_all_start()
    {
        // Four callers keep all four slots busy, so each uid is handed on the moment its execution ends.
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            var mine = new List<ExecutionResult>();
            for (var i = 0; i < 15; i++)
            {
                mine.Add(await ExecuteAsync("pass"));
            }
            return mine;
        }));

        var failed = results.SelectMany(r => r).Where(r => !r.Succeeded).Select(r => r.Stderr.Trim()).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of 60 failed: {string.Join(" | ", failed.Distinct())}");
    }

    [Theory]
    [InlineData("""{"language":"python","code":""}""", "code")]
    [InlineData("""{"language":"ruby","code":"puts 1"}""", "language")]
    [InlineData("""{"language":"python","code":"print(1)","timeoutSeconds":-5}""", "timeoutSeconds")]
    public async Task Invalid_execution_request_is_a_validation_problem(string json, string field)
    {
        var response = await stack.Sandbox.PostAsync(SandboxApi.ExecutionsPath,
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>(
            TestContext.Current.CancellationToken);
        Assert.Contains(field, problem!.Errors.Keys);
    }

    private Task<ExecutionResult> ExecuteAsync(string code, int timeoutSeconds = 20) =>
        stack.Sandbox.ExecuteAsync(code, SandboxLanguage.Python, timeoutSeconds);

    /// <summary>Processes still owned by any sandbox uid once the given time has passed (empty as soon as none are).</summary>
    private static async Task<List<int>> SandboxProcessesAfterAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var left = Directory.EnumerateDirectories("/proc")
                .Select(dir => (Dir: dir, Pid: int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0))
                .Where(p => p.Pid > 0 && OwnerUid(p.Dir) is >= FirstSandboxUid and < FirstSandboxUid + 256)
                .Select(p => p.Pid)
                .ToList();
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static int OwnerUid(string procDir)
    {
        try
        {
            var uidLine = File.ReadLines(Path.Combine(procDir, "status")).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return uidLine is null ? -1 : int.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1; // the process ended while we looked
        }
    }
}
