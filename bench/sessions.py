"""Client side of bench/sessions.sh: one keep-alive HTTP connection, timings in milliseconds."""
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlparse

base, n, k = urlparse(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conn = http.client.HTTPConnection(base.hostname, base.port)


def call(method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data else None


def timed(action):
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def report(label, samples):
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label}: p50 {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, n={len(samples)}")


def create(tenant="bench"):
    return call("POST", "/v1/sessions", {"tenant": tenant})["id"]


def delete(session):
    call("DELETE", f"/v1/sessions/{session}")


def execute(session, code):
    result = call("POST", f"/v1/sessions/{session}/executions", {"code": code, "timeoutSeconds": 60})
    if not result["succeeded"]:
        raise RuntimeError(result["stderr"])
    return result


# 1. New sessions. Paced: a warm kernel is waiting each time (the pool refills one kernel at a time).
warm, ready = [], []
for _ in range(min(n, 40)):
    time.sleep(2.5)
    ms, session = timed(create)
    warm.append(ms)
    ready.append(ms + timed(lambda: execute(session, "print(1)"))[0])
    delete(session)
report("new session, warm kernel waiting (POST /v1/sessions)", warm)
report("new session until its first print(1) has answered", ready)
time.sleep(5)
burst = []
sessions = []
for _ in range(10):
    ms, session = timed(create)
    burst.append(ms)
    sessions.append(session)
for session in sessions:
    delete(session)
report("new session, 10 back to back (pool drained after 2: cold starts)", burst)

# 2. Round trips inside one session.
time.sleep(5)
session = create()
execute(session, "print(1)")
report("print(1) round trip in a session", [timed(lambda: execute(session, "print(1)"))[0] for _ in range(n)])
execute(session, "import numpy as np, pandas as pd\ndf = pd.DataFrame(np.random.default_rng(1).random((131072, 10)))\n"
                 "assert df.memory_usage(deep=True).sum() >= 10 * 1024 * 1024")
report("10 MB DataFrame: df.describe() round trip (a table result)",
       [timed(lambda: execute(session, "df.describe()"))[0] for _ in range(max(20, n // 4))])
report("10 MB DataFrame: float(df.sum().sum()) round trip",
       [timed(lambda: execute(session, "float(df.sum().sum())"))[0] for _ in range(max(20, n // 4))])
delete(session)

# 3. Idle sessions and their memory.
def mem_available_kib():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])


def pss_kib_of_uid(uid):
    total = 0
    import os
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = open(f"/proc/{pid}/status").read()
            if f"\nUid:\t{uid}\t" not in status:
                continue
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


time.sleep(5)
before = mem_available_kib()
idle = []
start = time.perf_counter()
for _ in range(k):
    idle.append(create(f"idle-{len(idle)}"))
    # As an agent's session is after its first cell: the scientific stack imported (pooled kernels have it already).
    execute(idle[-1], "import numpy, pandas, scipy, Bio, matplotlib.pyplot")
created_s = time.perf_counter() - start
time.sleep(10)  # let the pool refill, then measure
after = mem_available_kib()
infos = [call("GET", f"/v1/sessions/{s}") for s in idle]
pss = [pss_kib_of_uid(info["uid"]) / 1024 for info in infos]
print(f"{k} idle sessions with numpy, pandas, scipy, Bio and pyplot imported, created in {created_s:.1f} s; MemAvailable dropped {(before - after) / 1024:.0f} MiB "
      f"({(before - after) / 1024 / k:.1f} MiB per session, pool refill included); "
      f"PSS per session p50 {statistics.median(pss):.1f} MiB, max {max(pss):.1f} MiB")
total_gib = int(open('/proc/meminfo').readline().split()[1]) / 1024 / 1024
print(f"=> about {int(total_gib * 1024 * 0.8 / ((before - after) / 1024 / k))} idle sessions in 80% of {total_gib:.0f} GiB")
for session in idle:
    delete(session)
