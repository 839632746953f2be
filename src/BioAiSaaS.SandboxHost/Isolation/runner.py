# Runs inside the sandbox. Reads the submitted code from stdin, then executes it as __main__.
# A MemoryError anywhere becomes exit status 86 so the host can name the limit that ended the run.
import os
import sys
import traceback

MEMORY_EXIT = 86

code = sys.stdin.read()
# Like a notebook: modules the code writes into its workspace are importable.
sys.path.insert(0, os.getcwd())
devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(devnull, 0)
sys.stdin = open(0, closefd=False)

try:
    exec(compile(code, "<code>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
except MemoryError as error:
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)
    sys.stderr.flush()
    os._exit(MEMORY_EXIT)
except SystemExit:
    raise
except BaseException as error:
    # Drop this runner's own frame: the traceback starts at the submitted code.
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)
    sys.exit(1)
