"""Client side of bench/workflows.sh (standard library only: no PyPI here)."""
import concurrent.futures
import json
import os
import statistics
import sys
import time
import urllib.request
from datetime import datetime

api, n, burst, streams = sys.argv[1].rstrip("/"), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
key = os.environ["BIOAISAAS_API_KEY"]
WORKFLOW = {"workflow": {"steps": [{"id": "rc", "kind": "tool", "tool": "reverse_complement",
                                    "arguments": {"sequence": "ATGGCCATTGAATTCTAA"}}]}}


def request(method, path, body=None, as_key=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method,
                                 headers={"X-Api-Key": as_key or key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as response:
        return json.load(response)


def parse(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def wait(run_id, interval=0.002, as_key=None):
    while True:
        run = request("GET", f"/api/runs/{run_id}", as_key=as_key)
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        time.sleep(interval)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * len(values) + 0.5)) - 1)]


project = request("POST", "/api/projects", {"name": "bench"})["id"]
path = f"/api/projects/{project}/runs"

# 1. One run at a time: acceptance -> a worker's claim (the run's own timestamps), and submit -> succeeded as a client sees it.
pickup, worker, total = [], [], []
for _ in range(n):
    start = time.perf_counter()
    run = wait(request("POST", path, WORKFLOW)["id"])
    total.append((time.perf_counter() - start) * 1000)
    assert run["status"] == "succeeded", run
    pickup.append((parse(run["startedAt"]) - parse(run["createdAt"])) * 1000)
    worker.append((parse(run["finishedAt"]) - parse(run["startedAt"])) * 1000)
print(f"one at a time, n={n}: submit->pickup p50 {statistics.median(pickup):.1f} ms, p99 {pct(pickup, 0.99):.1f} ms; "
      f"pickup->finished (worker) p50 {statistics.median(worker):.1f} ms, p99 {pct(worker, 0.99):.1f} ms; "
      f"submit->succeeded (client, polling every 2 ms) p50 {statistics.median(total):.1f} ms, p99 {pct(total, 0.99):.1f} ms")

# 2. A burst of runs submitted by 8 clients at once: runs finished per second, from the first acceptance to the last finish.
# The times are the runs' own (database) timestamps, so the clients then look at each run only every 0.2 s: polling
# every 2 ms from 8 threads had the Api answering status polls with the CPU the Worker needed.
# With BIOAISAAS_BURST_KEYS (comma-separated API keys of other accounts) the clients submit as those accounts in turn,
# as a platform with many users sees it; without, all as the one account (whose submissions are admitted one at a time).
burst_keys = [k for k in os.environ.get("BIOAISAAS_BURST_KEYS", "").split(",") if k] or [key]
burst_paths = [f"/api/projects/{request('POST', '/api/projects', {'name': 'bench'}, k)['id']}/runs" for k in burst_keys]


def submit(i):
    k = burst_keys[i % len(burst_keys)]
    return request("POST", burst_paths[i % len(burst_keys)], WORKFLOW, k)["id"], k


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    submitting = time.monotonic()
    ids = list(pool.map(submit, range(burst)))
    submitted = time.monotonic() - submitting
    runs = list(pool.map(lambda sub: wait(sub[0], 0.2, sub[1]), ids))
assert all(r["status"] == "succeeded" for r in runs)
first = min(parse(r["createdAt"]) for r in runs)
last = max(parse(r["finishedAt"]) for r in runs)
print(f"burst of {burst} (8 submitting clients, {len(burst_keys)} account(s)): {burst / (last - first):.1f} runs/s "
      f"(first accepted -> last finished {last - first:.2f} s; the {burst} submissions took {submitted:.2f} s)")

# 3. Event latency: a client follows each run's SSE stream from submission; for every event, arrival time minus the
# timestamp the database put on it when it was appended.
latencies = []
for _ in range(streams):
    run_id = request("POST", path, WORKFLOW)["id"]
    req = urllib.request.Request(api + f"/api/runs/{run_id}/events", headers={"X-Api-Key": key, "Accept": "text/event-stream"})
    with urllib.request.urlopen(req, timeout=120) as response:
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                latencies.append(time.time() * 1000 - json.loads(line[6:])["timestamp"])
print(f"SSE, {streams} runs, {len(latencies)} events: worker append -> client p50 {statistics.median(latencies):.1f} ms, "
      f"p95 {pct(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms")
