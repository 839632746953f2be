using System.Net;
using System.Net.Http.Json;
using System.Text;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;
using BioAiSaaS.Worker.Sandbox;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>Stateful sessions on the stack's real SandboxHost, driven through the Worker's own client.</summary>
[Collection(StackCollection.Name)]
public sealed class SessionTests(StackFixture stack) : IAsyncLifetime
{
    private readonly List<string> _sessions = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private SandboxClient Client => new(stack.Sandbox);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>The stack's sandbox is shared: each test ends the sessions it opened.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var id in _sessions)
        {
            await Client.DeleteSessionAsync(id, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Variables_imports_and_files_persist_across_executions_and_a_trailing_expression_is_the_value()
    {
        var id = await CreateAsync();

        var first = await ExecuteAsync(id, "import numpy as np\nx = np.arange(10)\nopen('notes.txt', 'w').write('kept')");
        var second = await ExecuteAsync(id, "total = int(x.sum())\nprint(open('notes.txt').read())\ntotal * 2");

        Assert.True(first.Succeeded, first.Stderr);
        Assert.Equal("4", first.Value); // write() returns the count of characters written
        Assert.True(second.Succeeded, second.Stderr);
        Assert.Equal("kept\n", second.Stdout);
        Assert.Equal("90", second.Value);
    }

    [Fact]
    public async Task Nothing_crosses_sessions()
    {
        var one = await CreateAsync();
        var two = await CreateAsync();
        await ExecuteAsync(one, "secret = 'one'\nopen('secret.txt', 'w').write(secret)");

        var probe = await ExecuteAsync(two, """
            import os
            print('secret' in globals(), os.listdir('.'))
            # Everywhere but the kernel's views and /usr (read-only from the host, and so large that walking it under
            # a loaded machine outran the cell's timeout).
            skip = ('/proc', '/sys', '/usr')
            found = [os.path.join(d, f) for d, _, fs in os.walk('/') if not d.startswith(skip) for f in fs if f == 'secret.txt']
            print(found)
            """, timeoutSeconds: 120); // a walk of the whole file system, on a machine that may be busy

        Assert.Equal("False []\n[]\n", probe.Stdout);
    }

    [Fact]
    public async Task A_failure_reports_the_exception_type_message_and_a_traceback_of_the_cell()
    {
        var id = await CreateAsync();

        var result = await ExecuteAsync(id, "def gc_content(seq):\n    return seq.count('G') / len(seq)\n\ngc_content('')");

        Assert.False(result.Succeeded);
        Assert.Null(result.Termination);
        Assert.Equal("ZeroDivisionError", result.Error!.Type);
        Assert.Equal("division by zero", result.Error.Message);
        Assert.Contains("line 2, in gc_content", result.Error.Traceback, StringComparison.Ordinal);
        Assert.DoesNotContain("kernel.py", result.Error.Traceback, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uploaded_FASTA_is_read_by_the_code_and_its_CSV_output_downloaded()
    {
        var id = await CreateAsync();
        await Client.UploadAsync(id, "inputs/genes.fasta", Encoding.ASCII.GetBytes(">BRCA1_frag\nATGGATTTATCTGCTCTTCG\n>TP53_frag\nATGGAGGAGCCGCAGTCAGA\n"), Ct);

        var result = await ExecuteAsync(id, """
            from Bio import SeqIO
            from Bio.SeqUtils import gc_fraction
            import pandas as pd
            rows = [(r.id, len(r.seq), round(gc_fraction(r.seq), 2)) for r in SeqIO.parse('inputs/genes.fasta', 'fasta')]
            pd.DataFrame(rows, columns=['id', 'length', 'gc']).to_csv('out/gc.csv', index=False) if __import__('os').makedirs('out', exist_ok=True) is None else None
            """);
        var csv = Encoding.UTF8.GetString(await Client.DownloadAsync(id, "out/gc.csv", Ct));

        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal([new ChangedFile("out/gc.csv", csv.Length, FileChange.Created)], result.Files);
        Assert.Equal("id,length,gc\nBRCA1_frag,20,0.4\nTP53_frag,20,0.6\n", csv);
    }

    [Fact]
    public async Task Workspace_files_can_be_listed_replaced_and_deleted()
    {
        var id = await CreateAsync();
        var put = await stack.Sandbox.PutAsync(SandboxApi.SessionFilePath(id, "data/a.csv"), new StringContent("a\n1\n"), Ct);
        var replaced = await stack.Sandbox.PutAsync(SandboxApi.SessionFilePath(id, "data/a.csv"), new StringContent("a\n2\n"), Ct);
        var listed = await stack.Sandbox.GetFromJsonAsync<List<WorkspaceFileInfo>>($"{SandboxApi.SessionPath(id)}/files", Ct);
        var deleted = await stack.Sandbox.DeleteAsync(SandboxApi.SessionFilePath(id, "data/a.csv"), Ct);
        var afterDelete = await stack.Sandbox.GetAsync(SandboxApi.SessionFilePath(id, "data/a.csv"), Ct);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("data/a.csv", Assert.Single(listed!).Path);
        Assert.Equal(4, listed![0].Size);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await afterDelete.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a//b")]
    public async Task A_path_that_leaves_the_workspace_is_a_validation_problem(string path)
    {
        var id = await CreateAsync();

        var response = await stack.Sandbox.PutAsync($"{SandboxApi.SessionPath(id)}/files/{path}", new StringContent("x"), Ct);

        Assert.NotEqual(HttpStatusCode.Created, response.StatusCode);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    [Fact]
    public async Task Symlinks_planted_by_the_code_never_lead_the_host_outside_the_workspace()
    {
        var id = await CreateAsync();
        var marker = $"/tmp/bioaisaas-escape-{Guid.NewGuid():N}";
        await ExecuteAsync(id, "import os\nos.symlink('/etc/passwd', 'passwd')\nos.symlink('/', 'root')\nos.symlink('/tmp', 'hosttmp')");

        var viaFileLink = await stack.Sandbox.GetAsync(SandboxApi.SessionFilePath(id, "passwd"), Ct);
        var viaDirectoryLink = await stack.Sandbox.GetAsync(SandboxApi.SessionFilePath(id, "root/etc/passwd"), Ct);
        var writeThroughLink = await stack.Sandbox.PutAsync(
            SandboxApi.SessionFilePath(id, "hosttmp/" + Path.GetFileName(marker)), new StringContent("pwned"), Ct);

        // Read links resolve as if the workspace were "/": inside it there is no etc/passwd.
        Assert.Equal(HttpStatusCode.NotFound, viaFileLink.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, viaDirectoryLink.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, writeThroughLink.StatusCode);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_matplotlib_figure_comes_back_as_a_PNG_artifact_and_a_saved_image_by_its_path()
    {
        var id = await CreateAsync();

        var shown = await ExecuteAsync(id, "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.title('growth')\nplt.show()");
        var saved = await ExecuteAsync(id, "plt.bar(['a', 'b'], [3, 5])\nplt.savefig('bars.png')\nplt.close()");

        var figure = Assert.Single(shown.Artifacts);
        Assert.Equal("image/png", figure.MimeType);
        Assert.Null(figure.Path);
        Assert.StartsWith("\u0089PNG", Encoding.Latin1.GetString(Convert.FromBase64String(figure.Data!)), StringComparison.Ordinal);
        var file = Assert.Single(saved.Artifacts);
        Assert.Equal("bars.png", file.Path);
        Assert.Equal(Convert.FromBase64String(file.Data!), await Client.DownloadAsync(id, "bars.png", Ct));
    }

    [Fact]
    public async Task A_DataFrame_as_the_trailing_expression_comes_back_as_a_table_and_as_text()
    {
        var id = await CreateAsync();

        var result = await ExecuteAsync(id, """
            import pandas as pd, numpy as np
            df = pd.DataFrame({'gene': [f'G{i}' for i in range(120)], 'log2fc': np.linspace(-2, 2, 120), 'padj': [None] * 120})
            df
            """);

        Assert.True(result.Succeeded, result.Stderr);
        var table = result.Table!;
        Assert.Equal(["gene", "log2fc", "padj"], table.Columns);
        Assert.Equal(120, table.TotalRows);
        Assert.Equal(50, table.Rows.Count);
        Assert.Equal("G0", table.Rows[0][0].GetString());
        Assert.Equal(-2.0, table.Rows[0][1].GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, table.Rows[0][2].ValueKind);
        Assert.Contains("[120 rows x 3 columns]", result.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bash_runs_in_the_same_workspace_as_Python()
    {
        var id = await CreateAsync();
        await ExecuteAsync(id, "open('reads.fastq', 'w').write('@r1\\nACGT\\n+\\nIIII\\n' * 3)");

        var bash = await Client.ExecuteAsync(id, new ExecutionRequest(SandboxLanguage.Bash, "echo $(( $(wc -l < reads.fastq) / 4 )) reads > count.txt; cat count.txt", 10), Ct);
        var python = await ExecuteAsync(id, "open('count.txt').read().strip()");

        Assert.Equal("3 reads\n", bash.Stdout);
        Assert.Equal("'3 reads'", python.Value);
    }

    [Fact]
    public async Task A_cell_past_its_timeout_is_interrupted_and_the_session_keeps_its_state()
    {
        var id = await CreateAsync();
        await ExecuteAsync(id, "kept = 42");

        var spinning = await ExecuteAsync(id, "while True:\n    pass", timeoutSeconds: 1);
        var after = await ExecuteAsync(id, "kept");

        Assert.Equal(Termination.Timeout, spinning.Termination);
        Assert.False(spinning.SessionEnded);
        Assert.Equal("KeyboardInterrupt", spinning.Error?.Type);
        Assert.Equal("42", after.Value);
    }

    [Fact]
    public async Task A_fork_bomb_ends_its_cell_only_and_leaves_other_sessions_working()
    {
        var bombed = await CreateAsync();
        var bystander = await CreateAsync();
        await ExecuteAsync(bystander, "survivor = 'yes'");

        var bomb = await ExecuteAsync(bombed, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", timeoutSeconds: 3);
        var processes = await ExecuteAsync(bombed, "import os\nlen([p for p in os.listdir('/proc') if p.isdigit()])");
        var other = await ExecuteAsync(bystander, "survivor");

        Assert.NotNull(bomb.Termination);
        // Left in the session's PID namespace: bubblewrap's init, the kernel and nothing else.
        Assert.Equal("2", processes.Value);
        Assert.Equal("'yes'", other.Value);
    }

    [Fact]
    public async Task Processes_and_zombies_do_not_outlive_their_cell()
    {
        var id = await CreateAsync();

        await ExecuteAsync(id, """
            import os, subprocess
            subprocess.Popen(['sleep', '300'])
            if os.fork() == 0:
                os._exit(0)   # a child nobody waits for: a zombie
            """);
        var left = await ExecuteAsync(id, "import os\nsorted(open(f'/proc/{p}/comm').read().strip() for p in os.listdir('/proc') if p.isdigit())");

        Assert.Equal("['bwrap', 'python3']", left.Value);
    }

    [Fact]
    public async Task Filling_the_workspace_stops_at_its_size_and_the_session_recovers_by_deleting()
    {
        var id = await CreateAsync();
        var hostFree = new DriveInfo("/").AvailableFreeSpace;

        var fill = await ExecuteAsync(id, """
            import errno, os
            chunk, written, n = b'\0' * (1 << 20), 0, 0
            try:
                while True:
                    with open(f'fill-{n}.bin', 'wb') as f:
                        for _ in range(32):
                            f.write(chunk); written += len(chunk)
                    n += 1
            except OSError as e:
                print(errno.errorcode[e.errno], written >> 20)
            """, timeoutSeconds: 60);
        var recover = await ExecuteAsync(id, "import glob, os\nfor f in glob.glob('fill-*.bin'): os.remove(f)\nopen('ok.txt', 'w').write('fine')");

        var parts = fill.Stdout.Split(' ');
        Assert.Equal("ENOSPC", parts[0]);
        Assert.InRange(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), 200, 256); // the 256 MiB tmpfs, less what is in it
        Assert.True(recover.Succeeded, recover.Stderr);
        // The workspace is a tmpfs inside the sandbox: the host's disk never saw those bytes.
        Assert.InRange(new DriveInfo("/").AvailableFreeSpace, hostFree - (64L << 20), long.MaxValue);
    }

    [Fact]
    public async Task An_execution_while_another_runs_is_refused_as_busy()
    {
        var id = await CreateAsync();
        var slow = ExecuteAsync(id, "import time\ntime.sleep(2)");
        await Task.Delay(500, Ct);

        var second = await stack.Sandbox.PostAsJsonAsync(SandboxApi.SessionExecutionsPath(id), new { code = "1" }, Ct);

        var problem = await second.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("The session is busy", problem.Title);
        Assert.True((await slow).Succeeded);
    }

    [Fact]
    public async Task A_deleted_session_is_gone_with_a_reason_and_an_unknown_one_is_not_found()
    {
        var id = await CreateAsync();

        var deleted = await stack.Sandbox.DeleteAsync(SandboxApi.SessionPath(id), Ct);
        var afterwards = await stack.Sandbox.PostAsJsonAsync(SandboxApi.SessionExecutionsPath(id), new { code = "1" }, Ct);
        var unknown = await stack.Sandbox.GetAsync(SandboxApi.SessionPath("ses_" + new string('0', 32)), Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var gone = await afterwards.AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Equal(SessionEndReasons.Deleted, gone.Extensions["reason"]?.ToString());
        var missing = await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(SessionEndReasons.Unknown, missing.Extensions["reason"]?.ToString());
    }

    [Fact]
    public async Task An_idle_session_expires_after_its_idle_timeout()
    {
        var info = await CreateAsync(new CreateSessionRequest(Tenant: "idle-test", IdleTimeoutSeconds: 1));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpResponseMessage response;
        while ((response = await stack.Sandbox.GetAsync(SandboxApi.SessionPath(info.Id), Ct)).StatusCode == HttpStatusCode.OK
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, Ct);
        }

        var problem = await response.AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Equal(SessionEndReasons.IdleExpired, problem.Extensions["reason"]?.ToString());
    }

    [Fact]
    public async Task Session_limits_can_be_lowered_and_are_enforced()
    {
        var info = await CreateAsync(new CreateSessionRequest(Limits: new SessionLimits(MemoryBytes: 512L << 20)));

        var result = await ExecuteAsync(info.Id, "import resource\nblock = bytearray(250 << 20)\nresource.getrlimit(resource.RLIMIT_AS)[0] >> 20");
        var bomb = await ExecuteAsync(info.Id, "more = bytearray(600 << 20)");

        Assert.Equal(512L << 20, info.MemoryBytes);
        Assert.Equal("512", result.Value);
        Assert.Equal(Termination.Memory, bomb.Termination);
        Assert.False(bomb.SessionEnded);
    }

    [Theory]
    [InlineData("""{"limits":{"memoryBytes":1099511627776}}""", "limits.memoryBytes")]
    [InlineData("""{"limits":{"maxProcesses":1}}""", "limits.maxProcesses")]
    [InlineData("""{"idleTimeoutSeconds":0}""", "idleTimeoutSeconds")]
    [InlineData("""{"language":"cobol"}""", "language")]
    public async Task An_invalid_session_request_is_a_validation_problem(string json, string field)
    {
        var response = await stack.Sandbox.PostAsync(SandboxApi.SessionsPath, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        await response.AssertValidationProblemAsync(field);
    }

    [Fact]
    public async Task R_runs_in_the_session_where_it_is_installed_and_the_capabilities_say_so()
    {
        var capabilities = await stack.Sandbox.GetFromJsonAsync<SandboxCapabilities>(SandboxApi.CapabilitiesPath, Ct);
        var id = await CreateAsync();
        await ExecuteAsync(id, "open('counts.csv', 'w').write('gene,count\\nA,10\\nB,30\\n')");

        var r = await Client.ExecuteAsync(id, new ExecutionRequest(SandboxLanguage.R,
            "d <- read.csv('counts.csv'); cat(mean(d$count), '\\n')", 20), Ct);

        Assert.Contains("r", capabilities!.Languages);
        Assert.NotNull(capabilities.RVersion);
        Assert.True(r.Succeeded, r.Stderr);
        Assert.Equal("20 \n", r.Stdout);
    }

    private async Task<string> CreateAsync() => (await CreateAsync(new CreateSessionRequest(Tenant: $"tests-{Guid.NewGuid():N}"))).Id;

    private async Task<SessionInfo> CreateAsync(CreateSessionRequest request)
    {
        var info = await Client.CreateSessionAsync(request, Ct);
        _sessions.Add(info.Id);
        return info;
    }

    private Task<ExecutionResult> ExecuteAsync(string id, string code, int timeoutSeconds = 20) =>
        Client.ExecuteAsync(id, new ExecutionRequest(SandboxLanguage.Python, code, timeoutSeconds), Ct);
}
