using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.SandboxHost.Isolation;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Sandbox;

/// <summary>
/// The seccomp filter, tried from inside the real sandbox with raw system calls (ctypes): each denied call must
/// answer EPERM (not ENOSYS or a capability error, which would pass without any filter), while ordinary
/// Python (threads, processes, files, the scientific stack) must keep working.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SeccompTests(StackFixture stack)
{
    /// <summary>Runs each system call in a forked child (so one success cannot change the next) and prints name=result.</summary>
    private const string Probe = """
        import ctypes, errno, os, struct
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        keep = []
        def text(b):
            keep.append(ctypes.create_string_buffer(b)); return ctypes.addressof(keep[-1])
        def attempt(nr, *args):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                ctypes.set_errno(0)
                rv = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & (2**64 - 1)) for a in args])
                os.write(w, struct.pack("i", 0 if rv >= 0 else ctypes.get_errno()))
                os._exit(0)
            os.close(w)
            e = struct.unpack("i", os.read(r, 4))[0]
            os.waitpid(pid, 0)
            return "OK" if e == 0 else errno.errorcode.get(e, str(e))
        buf = ctypes.create_string_buffer(64)
        iov = (ctypes.c_ulong * 2)(ctypes.addressof(buf), 64)
        attr = ctypes.create_string_buffer(struct.pack("<IIQ", 1, 128, 0) + bytes(112))
        me = os.getpid()
        calls = {
            "ptrace": (101, 0, 0, 0, 0),
            "process_vm_readv": (310, me, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0),
            "process_vm_writev": (311, me, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0),
            "mount": (165, text(b"none"), text(b"/tmp"), text(b"tmpfs"), 0, 0),
            "umount2": (166, text(b"/tmp"), 2),
            "unshare": (272, 0x10000000),
            "setns": (308, os.open("/proc/self/ns/uts", os.O_RDONLY), 0),
            "clone_newuser": (56, 0x10000000 | 17, 0, 0, 0, 0),
            "kexec_load": (246, 0, 0, 0, 0),
            "kexec_file_load": (320, -1, -1, 0, 0, 0),
            "bpf": (321, 0, 0, 0),
            "perf_event_open": (298, ctypes.addressof(attr), 0, -1, -1, 0),
            "add_key": (248, text(b"user"), text(b"k"), text(b"v"), 1, -2),
            "request_key": (249, text(b"user"), text(b"k"), 0, 0),
            "keyctl": (250, 0, -3, 0),
            "userfaultfd": (323, 1),
            "init_module": (175, 0, 0, text(b"")),
            "finit_module": (313, -1, text(b""), 0),
            "delete_module": (176, text(b"x"), 0),
            "io_uring_setup": (425, 1, ctypes.addressof(ctypes.create_string_buffer(120))),
            "open_tree": (428, -100, text(b"/"), 0),
            "x32_getpid": (0x40000000 | 39,),
        }
        for name, call in calls.items():
            print(f"{name}={attempt(*call)}")
        print("clone3=" + attempt(435, 0, 0))
        print("status=" + next(l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")))
        """;

    [Fact]
    public async Task Every_denied_system_call_fails_with_EPERM_inside_the_sandbox()
    {
        var result = await ExecuteAsync(Probe);

        Assert.True(result.Succeeded, result.Stderr);
        var outcome = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("2", outcome["status"]); // SECCOMP_MODE_FILTER
        Assert.Equal("ENOSYS", outcome["clone3"]); // so the C library falls back to clone, whose flags are checked
        var notDenied = outcome.Where(kv => kv.Key is not ("status" or "clone3") && kv.Value != "EPERM")
            .Select(kv => $"{kv.Key}={kv.Value}").ToList();
        Assert.True(notDenied.Count == 0, "Not denied: " + string.Join(", ", notDenied));
        Assert.Equal(22, outcome.Count - 2);
    }

    [Fact]
    public async Task The_i386_system_call_entry_kills_the_process()
    {
        var result = await ExecuteAsync("""
            import ctypes, mmap, os, signal
            # mov eax, 20 (getpid in the i386 table); int 0x80; ret
            code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])
            m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            m.write(code)
            f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
            pid = os.fork()
            if pid == 0:
                f(); os._exit(0)
            _, status = os.waitpid(pid, 0)
            print(signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}")
            """);

        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal("SIGSYS\n", result.Stdout);
    }

    [Fact]
    public async Task Ordinary_code_keeps_working_under_the_filter()
    {
        var result = await ExecuteAsync("""
            import concurrent.futures, multiprocessing, os, subprocess, threading
            import numpy as np
            done = []
            threads = [threading.Thread(target=lambda: done.append(1)) for _ in range(8)]
            [t.start() for t in threads]; [t.join() for t in threads]
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                squares = sum(pool.map(lambda x: x * x, range(10)))
            with multiprocessing.Pool(2) as pool:
                doubled = sum(pool.map(abs, [-1, -2, -3]))
            pid = os.fork()
            if pid == 0:
                os._exit(7)
            forked = os.WEXITSTATUS(os.waitpid(pid, 0)[1])
            shell = subprocess.run(["/bin/sh", "-c", "echo $((6 * 7))"], capture_output=True, text=True).stdout.strip()
            with open("/workspace/data.txt", "w") as f:
                f.write("kept")
            print(len(done), squares, doubled, forked, shell, open("/workspace/data.txt").read(), round(float(np.linalg.det(np.eye(3) * 2))))
            """);

        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal("8 285 6 7 42 kept 8\n", result.Stdout);
    }

    [Fact]
    public void The_program_checks_the_architecture_first_and_lists_every_denied_call()
    {
        var program = SeccompFilter.Build();

        Assert.Equal(0, program.Length % 8);
        Assert.InRange(program.Length / 8, 10, 4096);
        // Instruction 0 loads the architecture (offset 4), instruction 1 compares it with AUDIT_ARCH_X86_64.
        Assert.Equal(0x20, BitConverter.ToUInt16(program, 0));
        Assert.Equal(4u, BitConverter.ToUInt32(program, 4));
        Assert.Equal(0xC000003Eu, BitConverter.ToUInt32(program, 12));
        var constants = Enumerable.Range(0, program.Length / 8).Select(i => BitConverter.ToUInt32(program, i * 8 + 4)).ToHashSet();
        Assert.All(SeccompFilter.Denied.Values, nr => Assert.Contains(nr, constants));
    }

    private Task<ExecutionResult> ExecuteAsync(string code) => stack.Sandbox.ExecuteAsync(code, timeoutSeconds: 60);
}
