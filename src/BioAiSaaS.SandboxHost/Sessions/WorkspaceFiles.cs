using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>A regular file open for reading. The caller disposes <see cref="Content"/>; <see cref="Length"/> is the size when it was opened.</summary>
public sealed record WorkspaceFile(Stream Content, long Length);

/// <summary>What a write did: the bytes stored, and whether the path was new (false: something was replaced).</summary>
public sealed record WorkspaceWrite(long Bytes, bool Created);

public sealed record WorkspaceEntry(string Path, long Length, DateTimeOffset LastWriteUtc);

/// <summary>The client's path is invalid, leads through a symbolic link where none is allowed, or names something other than what the operation needs (a directory, FIFO, device...). Answer 400.</summary>
public sealed class WorkspacePathException : Exception
{
    public WorkspacePathException() { }
    public WorkspacePathException(string message) : base(message) { }
    public WorkspacePathException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The content exceeded the caller's limit, or the file system's largest file (EFBIG). Answer 413.</summary>
public sealed class WorkspaceFileTooLargeException : IOException
{
    public WorkspaceFileTooLargeException() { }
    public WorkspaceFileTooLargeException(string message) : base(message) { }
    public WorkspaceFileTooLargeException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>No space or quota left on the workspace's file system (ENOSPC, EDQUOT). Answer 507.</summary>
public sealed class WorkspaceFullException : IOException
{
    public WorkspaceFullException() { }
    public WorkspaceFullException(string message) : base(message) { }
    public WorkspaceFullException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// Host-side (root) access to a workspace that untrusted code controls. Every lookup is made by openat2 relative to a
/// descriptor of the root, so no path string is ever resolved by the host's own view of the file system:
/// reads resolve symlinks as if the root were "/" (RESOLVE_IN_ROOT: <c>x -> /etc/shadow</c> means <c>root/etc/shadow</c>);
/// writes and deletes refuse every symlink on the way (RESOLVE_NO_SYMLINKS, one component at a time), and replace or
/// remove a symlink at the final name itself, never its target. Safe for concurrent use.
/// </summary>
public sealed partial class WorkspaceFiles : IDisposable
{
    public const int MaxPathLength = 1024;
    public const int MaxSegmentBytes = 255;
    // A workspace of millions of empty directories must not make one listing take minutes.
    private const int MaxScannedEntries = 200_000;

    // x86_64 numbers and flags, from the kernel's uapi headers.
    private const long SysOpenat2 = 437, SysGetdents64 = 217;
    private const ulong ORdonly = 0, OWronly = 1, OCreat = 0x40, OExcl = 0x80, ONoctty = 0x100, ODirectory = 0x1_0000,
        ONofollow = 0x2_0000, OCloexec = 0x8_0000, OPath = 0x20_0000;
    private const ulong ResolveNoMagicLinks = 0x02, ResolveNoSymlinks = 0x04, ResolveBeneath = 0x08, ResolveInRoot = 0x10;
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, AtEmptyPath = 0x1000;
    private const int Eperm = 1, Eacces = 13, Enoent = 2, Eintr = 4, Eagain = 11, Eexist = 17, Exdev = 18, Enotdir = 20, Eisdir = 21, Efbig = 27,
        Enospc = 28, Enametoolong = 36, Enosys = 38, Enotempty = 39, Eloop = 40, Edquot = 122;
    private const ushort SIfmt = 0xF000, SIfreg = 0x8000, SIfdir = 0x4000;
    private const byte DtUnknown = 0, DtDir = 4, DtReg = 8;
    private const uint StatxBasicStats = 0x7FF;
    private const ulong FileMode = 0x1A4; // 0644
    private const uint DirectoryMode = 0x1ED; // 0755

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SafeFileHandle CurrentDirectory = new(AtFdCwd, ownsHandle: false);

    private readonly SafeFileHandle root;
    private readonly int? ownerUid;

    /// <summary>Opens the root. When <paramref name="ownerUid"/> is set, what the host creates is chowned to it (uid and gid), so sandbox code can change it.</summary>
    public WorkspaceFiles(string rootPath, int? ownerUid)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        this.ownerUid = ownerUid;
        // O_NOFOLLOW: the root's last component (production: "workspace" in the sandbox's own root) is the one the sandbox might swap for a link.
        root = OpenAt(CurrentDirectory, Path.TrimEndingDirectorySeparator(rootPath), OPath | ODirectory | ONofollow, 0, out var errno)
            ?? throw errno switch
            {
                Enosys => new PlatformNotSupportedException("openat2 needs Linux 5.6 or later."),
                Enoent or Enotdir or Eloop => new DirectoryNotFoundException($"Workspace '{rootPath}' is not a directory (its last component may not be a link)."),
                _ => new IOException($"Cannot open workspace '{rootPath}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
            };
    }

    /// <summary>Checks a client path and returns it unchanged: relative, '/'-separated, no empty, '.' or '..' segment, no NUL, valid Unicode, at most 1024 chars and 255 UTF-8 bytes a segment.</summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) throw new WorkspacePathException("The path is empty.");
        if (path.Length > MaxPathLength) throw new WorkspacePathException($"The path is longer than {MaxPathLength} characters.");
        if (path[0] == '/') throw new WorkspacePathException("The path must be relative to the workspace, not start with '/'.");
        if (path.Contains('\0', StringComparison.Ordinal)) throw new WorkspacePathException("The path contains a NUL character.");
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0) throw new WorkspacePathException("The path has an empty segment (a doubled or trailing '/').");
            if (segment is "." or "..") throw new WorkspacePathException("The path may not contain '.' or '..' segments.");
            int bytes;
            try { bytes = StrictUtf8.GetByteCount(segment); }
            catch (EncoderFallbackException) { throw new WorkspacePathException("The path is not valid Unicode."); }
            if (bytes > MaxSegmentBytes) throw new WorkspacePathException($"A path segment is longer than {MaxSegmentBytes} UTF-8 bytes.");
        }
        return path;
    }

    /// <summary>The regular file at <paramref name="path"/>, or null when nothing is there (also when a symlink points to something missing inside the root). Directories, FIFOs, sockets and devices throw <see cref="WorkspacePathException"/>.</summary>
    public WorkspaceFile? OpenRead(string path)
    {
        Normalize(path);
        // O_PATH opens nothing: a FIFO cannot block and no device driver is called before the type is known.
        using var located = OpenAt(root, path, OPath, ResolveInRoot | ResolveNoMagicLinks, out var errno);
        if (located is null) return errno is Enoent or Enotdir ? null : throw Failure(errno, path);
        if (Statx(located, "", AtEmptyPath, StatxBasicStats, out var stat) != 0) throw Failure(Marshal.GetLastPInvokeError(), path);
        if ((stat.Mode & SIfmt) != SIfreg) throw new WorkspacePathException($"'{path}' is not a regular file.");
        // Reopening through the descriptor's /proc link reaches exactly the inode just checked, whatever the path names by now.
        var handle = OpenAt(CurrentDirectory, $"/proc/self/fd/{located.DangerousGetHandle()}", ORdonly | ONoctty, 0, out errno)
            ?? throw Failure(errno, path);
        return new WorkspaceFile(new FileStream(handle, FileAccess.Read), stat.Size);
    }

    /// <summary>
    /// Stores at most <paramref name="maxBytes"/> from <paramref name="content"/>, creating parent directories. The bytes go to a
    /// temporary file that is then renamed over the name, so a refused or failed upload leaves no partial file and the old one intact,
    /// and a symlink, FIFO or device already at the name is replaced, never opened. A replaced file loses its hard links and mode (0644 again).
    /// </summary>
    public async Task<WorkspaceWrite> WriteAsync(string path, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var segments = Normalize(path).Split('/');
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var parent = OpenParent(segments, create: true, path)!;
        var name = segments[^1];
        var temp = $".upload-{Guid.NewGuid():N}.tmp";
        SafeFileHandle? created;
        int errno;
        using (AsOwner())
        {
            created = OpenAt(parent, temp, OWronly | OCreat | OExcl | ONofollow | ONoctty, ResolveBeneath | ResolveNoSymlinks, out errno, FileMode);
        }
        var handle = created ?? throw Failure(errno, path);
        var stored = false;
        try
        {
            long written = 0;
            await using (var file = new FileStream(handle, FileAccess.Write, bufferSize: 0))
            {
                if (ownerUid is int uid && Fchown(handle, uid, uid) != 0) throw Failure(Marshal.GetLastPInvokeError(), path);
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    if (written > maxBytes) throw new WorkspaceFileTooLargeException($"'{path}' is larger than {maxBytes} bytes.");
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            // Only the Created flag depends on this check, so a concurrent change in between harms nothing.
            var existed = Statx(parent, name, AtSymlinkNoFollow, 0, out _) == 0;
            using (AsOwner())
            {
                if (Renameat(parent, temp, parent, name) != 0) throw Failure(Marshal.GetLastPInvokeError(), path);
            }
            stored = true;
            return new WorkspaceWrite(written, !existed);
        }
        catch (IOException e) when (e.HResult is Enospc or Edquot or Efbig) // .NET puts the errno there
        {
            throw Failure(e.HResult, path, e);
        }
        finally
        {
            if (!stored)
            {
                using (AsOwner()) _ = Unlinkat(parent, temp, 0);
            }
        }
    }

    /// <summary>Removes a file, a symlink itself (never its target), or an empty directory. False when nothing is there.</summary>
    public bool Delete(string path)
    {
        var segments = Normalize(path).Split('/');
        using var parent = OpenParent(segments, create: false, path);
        if (parent is null) return false;
        using var owner = AsOwner();
        if (Unlinkat(parent, segments[^1], 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Eisdir)
        {
            if (Unlinkat(parent, segments[^1], AtRemoveDir) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
        }
        return errno is Enoent ? false : throw Failure(errno, path);
    }

    /// <summary>Regular files under the root, depth first in ordinal name order, at most <paramref name="maxEntries"/>. Symlinks are neither listed nor followed; names that are not UTF-8 or paths that <see cref="Normalize"/> would refuse are skipped.</summary>
    public IReadOnlyList<WorkspaceEntry> List(int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        using var top = OpenAt(root, ".", ORdonly | ODirectory, ResolveBeneath, out var errno) ?? throw Failure(errno, ".");
        var entries = new List<WorkspaceEntry>();
        var budget = MaxScannedEntries;
        Walk(top, "", entries, maxEntries, ref budget);
        return entries;
    }

    public void Dispose() => root.Dispose();

    private static void Walk(SafeFileHandle directory, string prefix, List<WorkspaceEntry> entries, int maxEntries, ref int budget)
    {
        foreach (var (name, type) in ReadDirectory(directory, ref budget))
        {
            if (entries.Count >= maxEntries) return;
            var relative = prefix + name;
            if (relative.Length > MaxPathLength) continue;
            if (type is not (DtDir or DtReg or DtUnknown)) continue;
            if (Statx(directory, name, AtSymlinkNoFollow, StatxBasicStats, out var stat) != 0) continue;
            if ((stat.Mode & SIfmt) == SIfdir)
            {
                // NO_SYMLINKS again: the directory may have been swapped for a link since it was statted.
                using var child = OpenAt(directory, name, ORdonly | ODirectory | ONofollow, ResolveBeneath | ResolveNoSymlinks, out _);
                if (child is not null) Walk(child, relative + "/", entries, maxEntries, ref budget);
            }
            else if ((stat.Mode & SIfmt) == SIfreg)
            {
                var seconds = Math.Clamp(stat.MtimeSeconds, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1);
                entries.Add(new WorkspaceEntry(relative, stat.Size, DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(stat.MtimeNanoseconds / 100)));
            }
        }
    }

    private static List<(string Name, byte Type)> ReadDirectory(SafeFileHandle directory, ref int budget)
    {
        var names = new List<(string Name, byte Type)>();
        var buffer = new byte[32 * 1024];
        long filled;
        while (budget > 0 && (filled = Syscall(SysGetdents64, directory, buffer, (nuint)buffer.Length)) > 0)
        {
            // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, NUL-terminated name.
            for (var offset = 0; offset < filled && budget > 0; budget--)
            {
                var record = buffer.AsSpan(offset, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16)));
                offset += record.Length;
                var name = record[19..];
                name = name[..name.IndexOf((byte)0)];
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) || !Utf8.IsValid(name)) continue;
                names.Add((Encoding.UTF8.GetString(name), record[18]));
            }
        }
        names.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return names;
    }

    // One component at a time with symlinks refused, even ones that stay inside the root: a component the sandbox swaps
    // for a link between two calls is then never followed. Null when a parent is missing and create is false.
    private SafeFileHandle? OpenParent(string[] segments, bool create, string path)
    {
        var directory = OpenAt(root, ".", OPath | ODirectory, ResolveBeneath, out var errno) ?? throw Failure(errno, path);
        foreach (var segment in segments.AsSpan(0, segments.Length - 1))
        {
            using var parent = directory;
            bool made;
            using (AsOwner()) made = create && Mkdirat(parent, segment, DirectoryMode) == 0;
            if (create && !made && Marshal.GetLastPInvokeError() is var mkdirErrno && mkdirErrno != Eexist) throw Failure(mkdirErrno, path);
            directory = OpenAt(parent, segment, OPath | ODirectory, ResolveBeneath | ResolveNoSymlinks, out errno)!;
            if (directory is null) return !create && errno is Enoent or Enotdir ? null : throw Failure(errno, path);
            if (made && ownerUid is int uid && Fchownat(directory, "", uid, uid, AtEmptyPath) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                directory.Dispose();
                throw Failure(errno, path);
            }
        }
        return directory;
    }

    private static SafeFileHandle? OpenAt(SafeFileHandle directory, string path, ulong flags, ulong resolve, out int errno, ulong mode = 0)
    {
        var how = new OpenHow(flags | OCloexec, mode, resolve);
        for (var attempt = 0; ; attempt++)
        {
            var fd = Syscall(SysOpenat2, directory, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (fd >= 0) return new SafeFileHandle((nint)fd, ownsHandle: true);
            // EAGAIN: a concurrent rename made the kernel unsure that '..' stayed inside the root; it asks for a retry.
            if (errno is not (Eagain or Eintr) || attempt == 16) return null;
        }
    }

    private static Exception Failure(int errno, string path, Exception? inner = null) => errno switch
    {
        Eloop or Exdev => new WorkspacePathException($"'{path}' leads through a symbolic link that is not followed here."),
        // The session's own code set these modes; the host acts as the session's user and respects them.
        Eacces or Eperm => new WorkspacePathException($"The session's file permissions do not allow this on '{path}'."),
        Enotdir => new WorkspacePathException($"A parent of '{path}' is not a directory."),
        Eisdir => new WorkspacePathException($"'{path}' is a directory."),
        Enotempty => new WorkspacePathException($"'{path}' is a directory that is not empty."),
        Enametoolong => new WorkspacePathException($"'{path}' is too long."),
        Enospc or Edquot => new WorkspaceFullException($"No space left in the workspace for '{path}'.", inner),
        Efbig => new WorkspaceFileTooLargeException($"'{path}' is larger than the file system allows.", inner),
        _ => new IOException($"'{path}': {Marshal.GetPInvokeErrorMessage(errno)}", inner),
    };

    /// <summary>
    /// Creates, renames and removes as the session's uid. The workspace is a tmpfs mounted inside the sandbox's user
    /// namespace, where root is not a mapped id: the kernel refuses root's creations there (EOVERFLOW). setfsuid is
    /// per thread, so the scope must hold only synchronous calls.
    /// </summary>
    private FsIdentityScope AsOwner() => new(ownerUid);

    private readonly ref struct FsIdentityScope
    {
        private readonly int _previousUid = -1, _previousGid = -1;

        public FsIdentityScope(int? uid)
        {
            if (uid is int id && Environment.IsPrivilegedProcess)
            {
                _previousGid = SetFsGid(id);
                _previousUid = SetFsUid(id);
            }
        }

        public void Dispose()
        {
            if (_previousUid >= 0)
            {
                _ = SetFsUid(_previousUid);
                _ = SetFsGid(_previousGid);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(int uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(int gid);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct OpenHow(ulong Flags, ulong Mode, ulong Resolve);

    // struct statx is the same on every architecture, unlike struct stat: only the fields read here are declared.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public long Size;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, SafeFileHandle directory, string path, ref OpenHow how, nuint size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, SafeFileHandle directory, [Out] byte[] buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mkdirat(SafeFileHandle directory, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlinkat(SafeFileHandle directory, string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Renameat(SafeFileHandle oldDirectory, string oldPath, SafeFileHandle newDirectory, string newPath);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Fchownat(SafeFileHandle directory, string path, int uid, int gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int Fchown(SafeFileHandle file, int uid, int gid);
}
