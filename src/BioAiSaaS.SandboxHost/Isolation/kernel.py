# The session kernel: runs inside the sandbox, one per session, for the session's whole life.
#
# Protocol (see docs/sandbox.md): the host writes one JSON request per line on stdin; the kernel answers
# each with one JSON line on descriptor 3, the control channel the host opened for it. The code's own
# stdout and stderr go straight to descriptors 1 and 2, which the host reads under its caps; at the end of
# each execution the kernel writes the request's marker to both, so the host knows where that cell's
# output ends. The host interrupts a cell with SIGINT and kills the whole sandbox if that is not enough.
#
# Nothing here is trusted by the host: code in the session can rewrite this kernel at will, and all it
# gains is control over its own session.
import ast
import io
import json
import linecache
import os
import signal
import sys
import time
import warnings

# base64, resource, subprocess and traceback are imported where they are needed: a kernel started on demand
# answers sooner, and most cells need none of them.

CONTROL_FD = 3
WORKSPACE = os.getcwd()
ISOLATED = "--isolated" in sys.argv
# A pooled kernel imports the scientific stack before any code arrives; one started on demand (the pool was
# empty) does not, so it is ready in milliseconds and the cells import what they use.
PRELOAD = "--preload" in sys.argv
RSCRIPT = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--rscript=")), "/usr/bin/Rscript")
MEMORY_EXIT = 86
MAX_VALUE_CHARS = 64 * 1024
MAX_TABLE_ROWS = 50
MAX_TABLE_COLUMNS = 100
MAX_INLINE_ARTIFACT_BYTES = 4 << 20
MAX_SCANNED_FILES = 2000
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
               ".gif": "image/gif", ".pdf": "application/pdf"}
KERNEL_FILE = os.path.abspath(__file__)

control = os.fdopen(CONTROL_FD, "w", encoding="utf-8", closefd=True)
requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
# Code and the tools it runs read an empty stdin; the requests arrive on a private copy.
devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(devnull, 0)
sys.stdin = open(0, closefd=False)
sys.path.insert(0, WORKSPACE)  # like a notebook: modules written to the workspace are importable

KERNEL_PID = os.getpid()
running = False
pending_figures = []


def on_interrupt(signum, frame):
    # Only a running cell is interrupted; a SIGINT that arrives between cells is dropped.
    if running:
        if ISOLATED and os.getpid() == KERNEL_PID:
            # First stop whatever the cell started (a fork bomb's spinners would otherwise starve this process
            # of the CPU it needs to unwind before the host loses patience).
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        arm_interrupt(frame)
        raise KeyboardInterrupt


def arm_interrupt(frame):
    # An interrupt raised where Python ignores exceptions (an at-fork hook, a __del__) is lost. A trace function
    # raises it again at the next line of the cell's own code. Only there: Python drops a trace function that
    # raises, so one raising inside an at-fork hook would be lost too. The kernel disarms it once the cell unwound.
    def tracer(f, event, arg):
        if event == "line" and f.f_code.co_filename.startswith("<cell "):
            raise KeyboardInterrupt
        return tracer

    sys.settrace(tracer)
    while frame is not None:
        frame.f_trace = tracer
        frame = frame.f_back


signal.signal(signal.SIGINT, on_interrupt)


def preload():
    # What makes a pooled session fast: the scientific stack is imported before any code arrives.
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy  # noqa: F401
    import Bio  # noqa: F401
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    hook_show()


def hook_show():
    # plt.show() hands the figures over as artifacts at once. Where pyplot was imported by a cell (a kernel
    # without preload), the hook arrives after that cell; its figures are still taken at the cell's end.
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None or getattr(plt.show, "_bioaisaas", False):
        return

    def show(*args, **kwargs):
        capture_figures(plt)

    show._bioaisaas = True
    plt.show = show


def capture_figures(plt):
    for number in plt.get_fignums():
        figure = plt.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        pending_figures.append(buffer.getvalue())
    plt.close("all")


def reply(message):
    control.write(json.dumps(message, separators=(",", ":"), allow_nan=False))
    control.write("\n")
    control.flush()


def snapshot():
    files = {}
    stack = [WORKSPACE]
    while stack and len(files) < MAX_SCANNED_FILES:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        files[os.path.relpath(entry.path, WORKSPACE)] = (info.st_size, info.st_mtime_ns)
                        if len(files) >= MAX_SCANNED_FILES:
                            break
        except OSError:
            continue
    return files


def changes(before, after):
    changed = []
    for path, (size, mtime) in sorted(after.items()):
        previous = before.get(path)
        if previous is None:
            changed.append({"path": path, "size": size, "change": "created"})
        elif previous != (size, mtime):
            changed.append({"path": path, "size": size, "change": "modified"})
    for path in sorted(before.keys() - after.keys()):
        changed.append({"path": path, "size": 0, "change": "deleted"})
    return changed


def json_cell(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    try:
        import numpy
        if isinstance(value, numpy.generic):
            return json_cell(value.item())
    except ImportError:
        pass
    return str(value)


def table_of(value):
    pandas = sys.modules.get("pandas")
    if pandas is None or not isinstance(value, pandas.DataFrame):
        return None
    head = value.iloc[:MAX_TABLE_ROWS, :MAX_TABLE_COLUMNS]
    return {
        "columns": [str(c) for c in head.columns],
        "rows": [[json_cell(v) for v in row] for row in head.itertuples(index=False, name=None)],
        "totalRows": int(len(value)),
        "totalColumns": int(len(value.columns)),
    }


def trimmed_traceback(error):
    import traceback

    # Drop the kernel's own frames so the traceback starts at the submitted code.
    tb = error.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == KERNEL_FILE:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def run_python(code, cell, namespace):
    filename = f"<cell {cell}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(last, filename, "eval"), namespace)
    if value is not None:
        namespace["_"] = value
    return value


def run_command(argv, script):
    # Bash and R run as child processes in the same sandbox and workspace; their output goes straight
    # to descriptors 1 and 2, like the kernel's own.
    import subprocess
    child = subprocess.Popen(argv + [script], stdin=subprocess.DEVNULL, cwd=WORKSPACE, start_new_session=True)
    try:
        code = child.wait()
    except BaseException:
        kill_group(child.pid)
        child.wait()
        raise
    return 128 - code if code < 0 else code


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def end_other_processes():
    # Processes do not outlive their cell: whatever the code started (background jobs, a fork bomb) is
    # killed, so nothing keeps running or holds the session's process budget between cells. Inside the
    # sandbox's PID namespace kill(-1) reaches exactly the session's processes (never its init, never us).
    deadline = time.monotonic() + 1
    while True:
        reap_children()
        if not ISOLATED:
            return
        try:
            # Succeeds while any process is left, zombies included (init reaps those it inherits).
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            return
        time.sleep(0.001)


def reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def write_script(cell, suffix, code):
    path = f"/tmp/.cell-{cell}{suffix}"
    with open(path, "w", encoding="utf-8") as script:
        script.write(code)
    return path


def execute(request, namespace):
    global running
    cell = request["id"]
    language = request.get("language", "python")
    code = request["code"]
    before = snapshot()
    result = {"id": cell, "exitCode": 0}
    value = None
    started = time.monotonic()
    running = True
    try:
        if language == "python":
            value = run_python(code, cell, namespace)
        elif language == "bash":
            result["exitCode"] = run_command(["/bin/bash", "--noprofile", "--norc"], write_script(cell, ".sh", code))
        elif language == "r":
            result["exitCode"] = run_command([RSCRIPT, "--vanilla"], write_script(cell, ".R", code))
        else:
            raise ValueError(f"unknown language {language}")
    except BaseException as error:  # noqa: B036 — SystemExit and KeyboardInterrupt end the cell, not the kernel
        sys.settrace(None)
        if os.getpid() != KERNEL_PID:
            os._exit(1)  # a child the code forked must never come back into the kernel's loop
        result["exitCode"] = error.code if isinstance(error, SystemExit) and isinstance(error.code, int) else 1
        if not (isinstance(error, SystemExit) and error.code in (0, None)):
            result["error"] = {"type": type(error).__name__, "message": str(error)[:MAX_VALUE_CHARS],
                               "traceback": trimmed_traceback(error)[:MAX_VALUE_CHARS]}
            try:
                sys.stderr.write(result["error"]["traceback"])
            except BaseException:
                pass
        else:
            result["exitCode"] = 0
    finally:
        running = False
        sys.settrace(None)
    if os.getpid() != KERNEL_PID:
        os._exit(0)
    result["durationMs"] = int((time.monotonic() - started) * 1000)
    finish(result, value, before)
    return result


def finish(result, value, before):
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    end_other_processes()
    if value is not None:
        try:
            result["value"] = repr(value)[:MAX_VALUE_CHARS]
            table = table_of(value)
            if table is not None:
                result["table"] = table
        except BaseException as error:
            result["value"] = f"<repr failed: {type(error).__name__}>"
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            capture_figures(plt)
            hook_show()
        except BaseException:
            pass
    import base64
    artifacts = []
    for index, png in enumerate(pending_figures, start=1):
        artifacts.append({"name": f"figure-{index}.png", "mimeType": "image/png", "size": len(png),
                          "data": base64.b64encode(png).decode("ascii")})
    pending_figures.clear()
    files = changes(before, snapshot())
    for changed in files:
        mime = IMAGE_TYPES.get(os.path.splitext(changed["path"])[1].lower())
        if mime and changed["change"] != "deleted":
            artifact = {"name": os.path.basename(changed["path"]), "mimeType": mime, "size": changed["size"],
                        "path": changed["path"]}
            if changed["size"] <= MAX_INLINE_ARTIFACT_BYTES:
                try:
                    with open(os.path.join(WORKSPACE, changed["path"]), "rb") as image:
                        artifact["data"] = base64.b64encode(image.read(MAX_INLINE_ARTIFACT_BYTES)).decode("ascii")
                except OSError:
                    pass
            artifacts.append(artifact)
    result["files"] = files
    result["artifacts"] = artifacts


def set_limits(request):
    import resource

    # Lowering a limit is always allowed; the host never asks for more than the sandbox started with.
    for name, key in (("RLIMIT_AS", "memoryBytes"), ("RLIMIT_NPROC", "maxProcesses")):
        if request.get(key):
            limit = int(request[key])
            resource.setrlimit(getattr(resource, name), (limit, limit))


def marker(request):
    # After the reply's content is ready, so the host sees the cell's last byte before the marker.
    tag = request["marker"].encode("ascii")
    for fd in (1, 2):
        os.write(fd, tag)


def main():
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    # Agg cannot show a window; the figures become artifacts instead, so the warning would only be noise.
    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
    if PRELOAD:
        preload()
    reply({"ready": True, "python": sys.version.split()[0]})
    for line in requests:
        request = json.loads(line)
        op = request.get("op")
        if op == "execute":
            result = execute(request, namespace)
            marker(request)
            reply(result)
        elif op == "limits":
            set_limits(request)
            reply({"id": request["id"]})
        else:
            reply({"id": request.get("id"), "error": {"type": "ProtocolError", "message": f"unknown op {op}"}})


try:
    main()
except MemoryError:
    # The kernel itself could not allocate (a cell left the session at its memory limit): say so and end.
    os._exit(MEMORY_EXIT)
