using System.Diagnostics;
using System.Text;
using BioAiSaaS.SandboxHost.Sessions;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>The host (root) reads and writes a workspace that sandbox code controls: nothing planted there may lead outside it.</summary>
public sealed class WorkspaceFilesTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string root = Directory.CreateTempSubdirectory("workspace-").FullName;
    // Outside the workspace: what a planted link aims at.
    private readonly string outside = Directory.CreateTempSubdirectory("outside-").FullName;
    private readonly WorkspaceFiles files;

    public WorkspaceFilesTests() => files = new WorkspaceFiles(root, ownerUid: null);

    public void Dispose()
    {
        files.Dispose();
        // Directory.Delete removes links without following them.
        Directory.Delete(root, recursive: true);
        Directory.Delete(outside, recursive: true);
    }

    [Fact]
    public async Task A_nested_file_is_written_with_its_parents_read_back_and_deleted()
    {
        var write = await WriteAsync("results/run 1/table.tsv", "gene\tcount\n");

        Assert.Equal(new WorkspaceWrite(11, Created: true), write);
        Assert.Equal("gene\tcount\n", await ReadAsync("results/run 1/table.tsv"));
        Assert.Equal("gene\tcount\n", await File.ReadAllTextAsync(Path.Combine(root, "results/run 1/table.tsv"), Ct));
        Assert.True(files.Delete("results/run 1/table.tsv"));
        Assert.Null(files.OpenRead("results/run 1/table.tsv"));
        Assert.False(files.Delete("results/run 1/table.tsv"));
        Assert.False(files.Delete("no/such/file"));
        Assert.True(Directory.Exists(Path.Combine(root, "results/run 1")));
    }

    [Fact]
    public async Task A_root_reached_through_proc_pid_root_works_but_a_linked_root_does_not()
    {
        await WriteAsync("data.txt", "via proc");
        using var viaProc = new WorkspaceFiles($"/proc/{Environment.ProcessId}/root{root}", ownerUid: null);
        var file = viaProc.OpenRead("data.txt");
        await using var content = file!.Content;
        Assert.Equal("via proc", await new StreamReader(content).ReadToEndAsync(Ct));

        var link = Path.Combine(outside, "workspace");
        Directory.CreateSymbolicLink(link, root);
        Assert.Throws<DirectoryNotFoundException>(() => new WorkspaceFiles(link, ownerUid: null));
    }

    [Fact]
    public async Task Replacing_a_file_leaves_only_the_new_content()
    {
        await WriteAsync("notes.txt", "a long first version");

        var write = await WriteAsync("notes.txt", "short");

        Assert.Equal(new WorkspaceWrite(5, Created: false), write);
        var file = files.OpenRead("notes.txt");
        await using var content = file!.Content;
        Assert.Equal(5, file.Length);
        Assert.Equal("short", await new StreamReader(content).ReadToEndAsync(Ct));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("./a")]
    [InlineData("a/./b")]
    [InlineData("..")]
    [InlineData("a\0b")]
    public void Invalid_paths_are_refused(string path)
    {
        Assert.Throws<WorkspacePathException>(() => WorkspaceFiles.Normalize(path));
        Assert.Throws<WorkspacePathException>(() => files.OpenRead(path));
        Assert.Throws<WorkspacePathException>(() => files.Delete(path));
    }

    [Fact]
    public void Path_length_segment_length_and_encoding_are_checked()
    {
        Assert.Equal("a/..b/c d", WorkspaceFiles.Normalize("a/..b/c d"));
        Assert.Throws<WorkspacePathException>(() => WorkspaceFiles.Normalize("lone\ud800surrogate"));
        Assert.NotNull(WorkspaceFiles.Normalize(new string('x', 255)));
        Assert.Throws<WorkspacePathException>(() => WorkspaceFiles.Normalize(new string('x', 256)));
        Assert.Throws<WorkspacePathException>(() => WorkspaceFiles.Normalize(new string('é', 128))); // 256 UTF-8 bytes
        var longPath = string.Join('/', Enumerable.Repeat(new string('x', 100), 10)) + "/abcd"; // 1015 chars
        Assert.NotNull(WorkspaceFiles.Normalize(longPath));
        Assert.Throws<WorkspacePathException>(() => WorkspaceFiles.Normalize(longPath + "/abcdefghij"));
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("/etc/hostname")]
    [InlineData("../../../../../../../../etc/hostname")]
    [InlineData("/proc/self/root/etc/hostname")]
    public void A_link_out_of_the_workspace_never_returns_host_content(string target)
    {
        File.CreateSymbolicLink(Path.Combine(root, "leak"), target);

        Assert.Null(files.OpenRead("leak"));
    }

    [Fact]
    public async Task Links_are_resolved_as_if_the_workspace_were_the_root()
    {
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(root, "etc/hostname"), "inside", Ct);
        File.CreateSymbolicLink(Path.Combine(root, "absolute"), "/etc/hostname");
        File.CreateSymbolicLink(Path.Combine(root, "relative"), "etc/hostname");

        Assert.Equal("inside", await ReadAsync("absolute"));
        Assert.Equal("inside", await ReadAsync("relative"));
    }

    [Fact]
    public async Task A_link_to_the_host_root_leads_nowhere()
    {
        Directory.CreateSymbolicLink(Path.Combine(root, "d"), "/");
        var pwned = $"pwned-{Guid.NewGuid():N}";

        await Assert.ThrowsAsync<WorkspacePathException>(() => WriteAsync($"d/tmp/{pwned}", "x"));
        Assert.False(File.Exists(Path.Combine("/tmp", pwned)));
        Assert.False(Directory.Exists(Path.Combine(root, "tmp")));
        Assert.Null(files.OpenRead("d/etc/passwd"));
        Assert.Throws<WorkspacePathException>(() => files.OpenRead("d")); // the workspace root itself: a directory
    }

    [Fact]
    public async Task Writes_and_deletes_never_go_through_a_linked_directory()
    {
        await File.WriteAllTextAsync(Path.Combine(outside, "canary"), "host", Ct);
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        Directory.CreateDirectory(Path.Combine(root, "real"));
        Directory.CreateSymbolicLink(Path.Combine(root, "alias"), "real");

        await Assert.ThrowsAsync<WorkspacePathException>(() => WriteAsync("out/canary", "pwned"));
        await Assert.ThrowsAsync<WorkspacePathException>(() => WriteAsync("out/new/file", "pwned"));
        Assert.Throws<WorkspacePathException>(() => files.Delete("out/canary"));
        // Even a link that stays inside: writers refuse every link on the way.
        await Assert.ThrowsAsync<WorkspacePathException>(() => WriteAsync("alias/file", "x"));

        Assert.Equal("host", await File.ReadAllTextAsync(Path.Combine(outside, "canary"), Ct));
        Assert.Equal(["canary"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Writing_over_a_link_replaces_the_link_not_its_target()
    {
        var victim = Path.Combine(outside, "victim");
        await File.WriteAllTextAsync(victim, "host", Ct);
        File.CreateSymbolicLink(Path.Combine(root, "link"), victim);

        var write = await WriteAsync("link", "sandbox");

        Assert.False(write.Created);
        Assert.Equal("host", await File.ReadAllTextAsync(victim, Ct));
        Assert.Null(new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("sandbox", await ReadAsync("link"));
    }

    [Fact]
    public async Task Deleting_a_link_removes_the_link_not_its_target()
    {
        var target = Path.Combine(outside, "target");
        await File.WriteAllTextAsync(target, "host", Ct);
        File.CreateSymbolicLink(Path.Combine(root, "link"), target);
        File.CreateSymbolicLink(Path.Combine(root, "dangling"), "/nonexistent");

        Assert.True(files.Delete("link"));
        Assert.True(files.Delete("dangling"));

        Assert.Empty(Directory.GetFileSystemEntries(root));
        Assert.Equal("host", await File.ReadAllTextAsync(target, Ct));
    }

    [Fact]
    public async Task Only_empty_directories_are_deleted_and_none_is_overwritten()
    {
        await WriteAsync("full/file", "x");
        Directory.CreateDirectory(Path.Combine(root, "empty"));

        Assert.Throws<WorkspacePathException>(() => files.Delete("full"));
        await Assert.ThrowsAsync<WorkspacePathException>(() => WriteAsync("full", "over a directory"));
        Assert.True(files.Delete("empty"));
        Assert.True(File.Exists(Path.Combine(root, "full/file")));
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_and_can_be_replaced()
    {
        Run("mkfifo", Path.Combine(root, "pipe"));

        var read = Task.Run(() => files.OpenRead("pipe"), Ct);
        await Assert.ThrowsAsync<WorkspacePathException>(() => read.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await WriteAsync("pipe", "now a file").WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("now a file", await ReadAsync("pipe"));
    }

    [Fact]
    public void Devices_and_directories_are_not_read()
    {
        if (Run("mknod", Path.Combine(root, "null"), "c", "1", "3") != 0)
        {
            Assert.Skip("mknod is not permitted here.");
        }
        Directory.CreateDirectory(Path.Combine(root, "dir"));

        Assert.Throws<WorkspacePathException>(() => files.OpenRead("null"));
        Assert.Throws<WorkspacePathException>(() => files.OpenRead("dir"));
    }

    [Fact]
    public async Task What_the_host_creates_belongs_to_the_sandbox_user()
    {
        // As in a session: the workspace belongs to the sandbox user, and the host creates as that user.
        Directory.CreateDirectory(Path.Combine(root, "existing"));
        Assert.Equal(0, Run("chown", "-R", "4321:4321", root));
        using var owned = new WorkspaceFiles(root, ownerUid: 4321);

        await owned.WriteAsync("existing/made/deeper/data.csv", new MemoryStream("1,2"u8.ToArray()), 100, Ct);

        Assert.Equal("4321:4321", Owner("existing/made"));
        Assert.Equal("4321:4321", Owner("existing/made/deeper"));
        Assert.Equal("4321:4321", Owner("existing/made/deeper/data.csv"));
        Assert.True(owned.Delete("existing/made/deeper/data.csv"));
    }

    [Fact]
    public async Task Content_over_the_limit_is_refused_and_leaves_no_partial_file()
    {
        await WriteAsync("kept.txt", "old");

        Assert.Equal(10, (await files.WriteAsync("exact.bin", new MemoryStream(new byte[10]), 10, Ct)).Bytes);
        await Assert.ThrowsAsync<WorkspaceFileTooLargeException>(() => files.WriteAsync("big.bin", new MemoryStream(new byte[200_000]), 100_000, Ct));
        await Assert.ThrowsAsync<WorkspaceFileTooLargeException>(() => files.WriteAsync("kept.txt", new MemoryStream(new byte[11]), 10, Ct));

        Assert.Equal(["exact.bin", "kept.txt"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("old", await ReadAsync("kept.txt"));
    }

    [Fact]
    public async Task A_full_file_system_is_reported_as_such()
    {
        var small = Path.Combine(root, "small");
        Directory.CreateDirectory(small);
        if (Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small) != 0)
        {
            Assert.Skip("Mounting a tmpfs is not permitted here.");
        }
        try
        {
            await Assert.ThrowsAsync<WorkspaceFullException>(() => files.WriteAsync("small/big", new MemoryStream(new byte[1 << 20]), 1 << 21, Ct));
            Assert.Empty(Directory.GetFileSystemEntries(small));
        }
        finally
        {
            Run("umount", small);
        }
    }

    [Fact]
    public async Task Listing_finds_regular_files_without_following_links()
    {
        await WriteAsync("a.txt", "12345");
        await WriteAsync("sub/b.txt", "1");
        await WriteAsync("sub/deeper/c.txt", "12");
        await File.WriteAllTextAsync(Path.Combine(outside, "secret"), "host", Ct);
        Directory.CreateSymbolicLink(Path.Combine(root, "root"), "/");
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "file-link"), "a.txt");
        Run("mkfifo", Path.Combine(root, "pipe"));
        File.SetLastWriteTimeUtc(Path.Combine(root, "a.txt"), new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));

        var entries = files.List(100);

        Assert.Equal(["a.txt", "sub/b.txt", "sub/deeper/c.txt"], entries.Select(e => e.Path));
        Assert.Equal([5L, 1L, 2L], entries.Select(e => e.Length));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), entries[0].LastWriteUtc);
        Assert.Equal(["a.txt", "sub/b.txt"], files.List(2).Select(e => e.Path));
        Assert.Empty(files.List(0));
    }

    private Task<WorkspaceWrite> WriteAsync(string path, string text) =>
        files.WriteAsync(path, new MemoryStream(Encoding.UTF8.GetBytes(text)), 1 << 20, Ct);

    private async Task<string?> ReadAsync(string path)
    {
        var file = files.OpenRead(path);
        if (file is null) return null;
        await using var content = file.Content;
        return await new StreamReader(content).ReadToEndAsync(Ct);
    }

    private string Owner(string path) => Output("stat", "-c", "%u:%g", Path.Combine(root, path));

    private static int Run(params string[] command) => Start(command, out _);

    private static string Output(params string[] command)
    {
        Assert.Equal(0, Start(command, out var output));
        return output.Trim();
    }

    private static int Start(string[] command, out string output)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command[1..]) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
