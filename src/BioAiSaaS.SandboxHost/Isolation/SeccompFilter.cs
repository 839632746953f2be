using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BioAiSaaS.SandboxHost.Isolation;

/// <summary>
/// The seccomp filter every execution runs under, as the classic-BPF program bubblewrap loads (<c>--seccomp FD</c>)
/// just before it executes the interpreter. Written by hand rather than with libseccomp: the list is fixed, x86_64
/// only, and a byte array is easy to test. Denied calls fail with EPERM, so code sees an ordinary error:
/// <list type="bullet">
/// <item>debugging and reading other processes (ptrace, process_vm_*),</item>
/// <item>mounting and namespaces (mount family, pivot_root, unshare, setns; clone with a namespace flag),</item>
/// <item>kernel attack surface code has no business with (kexec, bpf, perf_event_open, keyrings, userfaultfd,
/// modules, io_uring, whose operations seccomp cannot see).</item>
/// </list>
/// Other ABIs are refused: the i386 entry (int 0x80) is killed, x32 numbers get EPERM. clone3 answers ENOSYS,
/// its flags being out of seccomp's reach, so the C library falls back to clone, whose flags are checked.
/// </summary>
public static class SeccompFilter
{
    /// <summary>The denied system calls and their x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).</summary>
    public static readonly IReadOnlyDictionary<string, uint> Denied = new Dictionary<string, uint>
    {
        ["ptrace"] = 101, ["process_vm_readv"] = 310, ["process_vm_writev"] = 311,
        ["mount"] = 165, ["umount2"] = 166, ["pivot_root"] = 155,
        ["open_tree"] = 428, ["move_mount"] = 429, ["fsopen"] = 430, ["fsconfig"] = 431, ["fsmount"] = 432,
        ["fspick"] = 433, ["mount_setattr"] = 442,
        ["unshare"] = 272, ["setns"] = 308,
        ["kexec_load"] = 246, ["kexec_file_load"] = 320,
        ["bpf"] = 321, ["perf_event_open"] = 298,
        ["add_key"] = 248, ["request_key"] = 249, ["keyctl"] = 250,
        ["userfaultfd"] = 323,
        ["init_module"] = 175, ["delete_module"] = 176, ["finit_module"] = 313,
        ["io_uring_setup"] = 425, ["io_uring_enter"] = 426, ["io_uring_register"] = 427,
    };

    private const uint Clone = 56;
    private const uint Clone3 = 435;
    /// <summary>CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (all in clone's low 32 flag bits).</summary>
    private const uint CloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

    private const uint AuditArchX8664 = 0xC000003E;
    private const uint X32SyscallBit = 0x40000000;
    private const uint RetKillProcess = 0x80000000;
    private const uint RetErrno = 0x00050000;
    private const uint RetAllow = 0x7FFF0000;
    private const uint Eperm = 1;
    private const uint Enosys = 38;

    // Classic BPF opcodes, and where struct seccomp_data keeps the fields we read.
    private const ushort LoadWordAbsolute = 0x20, JumpIfEqual = 0x15, JumpIfGreaterOrEqual = 0x35, JumpIfAnyBit = 0x45, Return = 0x06;
    private const uint SyscallNumberOffset = 0, ArchitectureOffset = 4, FirstArgumentOffset = 16;

    private readonly record struct Instruction(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint Constant);

    /// <summary>The program as bubblewrap reads it: struct sock_filter[], 8 little-endian bytes per instruction.</summary>
    public static byte[] Build()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("The sandbox's seccomp filter is written for x86_64 system call numbers.");
        }
        var numbers = Denied.Values.Distinct().Order().ToList();
        // After the x32 check come: one comparison per denied number, then clone, then clone3, then the returns.
        var allow = numbers.Count + 2;
        var eperm = allow + 1;
        var enosys = allow + 2;
        var cloneFlags = allow + 3;
        var program = new List<Instruction>
        {
            new(LoadWordAbsolute, 0, 0, ArchitectureOffset),
            new(JumpIfEqual, 1, 0, AuditArchX8664),
            new(Return, 0, 0, RetKillProcess),
            new(LoadWordAbsolute, 0, 0, SyscallNumberOffset),
            new(JumpIfGreaterOrEqual, Jump(eperm, 0), 0, X32SyscallBit),
        };
        // Jump distances count from the instruction after the jump, within the block that starts after the x32 check.
        for (var i = 0; i < numbers.Count; i++)
        {
            program.Add(new(JumpIfEqual, Jump(eperm, i + 1), 0, numbers[i]));
        }
        program.Add(new(JumpIfEqual, Jump(cloneFlags, numbers.Count + 1), 0, Clone));
        program.Add(new(JumpIfEqual, Jump(enosys, numbers.Count + 2), 0, Clone3));
        program.Add(new(Return, 0, 0, RetAllow));
        program.Add(new(Return, 0, 0, RetErrno | Eperm));
        program.Add(new(Return, 0, 0, RetErrno | Enosys));
        program.Add(new(LoadWordAbsolute, 0, 0, FirstArgumentOffset));
        program.Add(new(JumpIfAnyBit, 0, 1, CloneNamespaceFlags));
        program.Add(new(Return, 0, 0, RetErrno | Eperm));
        program.Add(new(Return, 0, 0, RetAllow));

        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var slot = bytes.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, program[i].Code);
            slot[2] = program[i].JumpIfTrue;
            slot[3] = program[i].JumpIfFalse;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], program[i].Constant);
        }
        return bytes;
    }

    private static byte Jump(int target, int next) =>
        target - next is var distance and >= 0 and <= byte.MaxValue
            ? (byte)distance
            : throw new InvalidOperationException("A seccomp jump is out of range.");
}

/// <summary>
/// The filter as a file only the host's user can read. The launching shell opens it on descriptor 9 for bubblewrap
/// (.NET cannot hand a child extra descriptors) before the drop to the sandbox uid, so the file may stay private.
/// </summary>
public sealed class SeccompFilterFile : IDisposable
{
    private const string Prefix = "bioaisaas-seccomp-";

    public SeccompFilterFile()
    {
        RemoveLeftovers();
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}.bpf");
        using var file = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        file.Write(SeccompFilter.Build());
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);

    /// <summary>Files of hosts that were killed before they could delete theirs (their pid is gone).</summary>
    private static void RemoveLeftovers()
    {
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.GetTempPath(), Prefix + "*.bpf"))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(name.AsSpan(Prefix.Length), out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    File.Delete(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or already gone: not ours to worry about.
                }
            }
        }
    }
}
