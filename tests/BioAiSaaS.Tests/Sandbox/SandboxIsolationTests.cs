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
        // The API, PostgreSQL and Redis all listen on the host's loopback; the sandbox has a loopback of its own.
        int[] ports =
        [
            stack.Api.BaseAddress!.Port,
            new Npgsql.NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString).Port,
            StackExchange.Redis.ConfigurationOptions.Parse(stack.RedisConnectionString).EndPoints.Single() switch
            {
                System.Net.DnsEndPoint dns => dns.Port,
                System.Net.IPEndPoint ip => ip.Port,
                var other => throw new InvalidOperationException($"Unexpected Redis endpoint {other}"),
            },
        ];

        var result = await ExecuteAsync($"""
            import socket
            for port in {string.Join(", ", ports)}, :
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=3)
                    print("connected", port)
                except OSError as e:
                    print("blocked", port)
            """);

        Assert.Equal(string.Concat(ports.Select(p => $"blocked {p}\n")), result.Stdout);
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
    public async Task Code_cannot_read_host_secrets_or_other_processes_environments()
    {
        var result = await ExecuteAsync("""
            import os
            def attempt(path):
                try:
                    with open(path, 'rb') as f:
                        return 'read:' + f.read().decode(errors='replace').replace('\0', ' ')
                except OSError as e:
                    return 'refused:' + type(e).__name__
            print(attempt('/etc/shadow'))
            print(attempt('/root/.bashrc'))
            print(os.path.exists('/home'), os.path.exists('/root'), os.path.exists('/var/lib/postgresql'))
            print(sorted(p for p in os.listdir('/proc') if p.isdigit()) == ['1', str(os.getpid())] or sorted(p for p in os.listdir('/proc') if p.isdigit()))
            print(attempt('/proc/1/environ'))
            """);

        var lines = result.Stdout.Split('\n');
        Assert.Equal("refused:FileNotFoundError", lines[0]);
        Assert.Equal("refused:FileNotFoundError", lines[1]);
        Assert.Equal("False False False", lines[2]);
        Assert.Equal("True", lines[3]); // only the sandbox's init and the code itself: no host process is visible
        // The sandbox's own init has no environment worth having: nothing from the host, no secrets.
        Assert.DoesNotContain("ConnectionStrings", lines[4], StringComparison.Ordinal);
        Assert.DoesNotContain("Password", lines[4], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DOTNET", lines[4], StringComparison.Ordinal);
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
            print(os.getuid(), flush=True)
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """, timeoutSeconds: 3);

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Termination);
        var uid = int.Parse(result.Stdout.Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Empty(await ProcessesOfAfterAsync(uid, TimeSpan.FromSeconds(5)));
        var next = await ExecuteAsync("print('still serving')");
        Assert.Equal("still serving\n", next.Stdout);
    }

    [Fact]
    public async Task Execution_abandoned_by_its_caller_is_killed_at_once()
    {
        using var impatient = new CancellationTokenSource();
        // A sleep of an odd length, so the test can find the execution's process (and its uid) on the host.
        var duration = $"60.{Random.Shared.Next(100_000, 999_999)}";
        var call = stack.Sandbox.PostAsJsonAsync(SandboxApi.ExecutionsPath,
            new ExecutionRequest(SandboxLanguage.Python, $"import subprocess\nsubprocess.run(['sleep', '{duration}'])", 120), impatient.Token);
        var uid = await UidOfProcessAsync($"sleep\0{duration}\0", TimeSpan.FromSeconds(30));

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.Empty(await ProcessesOfAfterAsync(uid, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Printing_a_gigabyte_ends_as_output_limit_with_capped_output()
    {
        var result = await ExecuteAsync("import sys\nchunk = 'x' * 1024 * 1024\nfor _ in range(1024):\n    sys.stdout.write(chunk)",
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
        var second = await ExecuteAsync("import os\nprint(os.listdir('.'), os.path.exists('/tmp/scratch'))");

        Assert.Equal("['result.csv']\n", first.Stdout);
        Assert.Equal("[] False\n", second.Stdout);
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

    /// <summary>Processes still owned by the uid once the given time has passed (empty as soon as none are).</summary>
    private static async Task<List<int>> ProcessesOfAfterAsync(int uid, TimeSpan within)
    {
        Assert.InRange(uid, FirstSandboxUid, FirstSandboxUid + 4096);
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var left = HostProcesses().Where(p => OwnerUid(p.Dir) == uid).Select(p => p.Pid).ToList();
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static IEnumerable<(string Dir, int Pid)> HostProcesses() => Directory.EnumerateDirectories("/proc")
        .Select(dir => (Dir: dir, Pid: int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0))
        .Where(p => p.Pid > 0);

    /// <summary>The uid of the first host process whose command line is exactly <paramref name="cmdline"/> (NUL-separated).</summary>
    private static async Task<int> UidOfProcessAsync(string cmdline, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (dir, _) in HostProcesses())
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")) == cmdline)
                    {
                        return OwnerUid(dir);
                    }
                }
                catch (IOException)
                {
                }
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"No process ran '{cmdline}'.");
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
