"""API -> result latency of a trivial run: POST /api/runs, then GET every 5 ms until finished.

Usage: BIOAISAAS_API_KEY=bsk_… python3 bench/run_latency.py API_URL N (the key of a verified account,
e.g. from bench/account.py). Standard library only (no PyPI here).
"""
import json
import os
import statistics
import sys
import time
import urllib.request
from datetime import datetime

api, n = sys.argv[1].rstrip("/"), int(sys.argv[2])
body = json.dumps({"language": "python", "code": "print(1)", "timeoutSeconds": 30}).encode()


def call(method, url, data=None):
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", "X-Api-Key": os.environ["BIOAISAAS_API_KEY"]})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.load(response)


def ms(later, earlier):
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(later) - parse(earlier)).total_seconds() * 1000


def percentiles(values):
    values = sorted(values)
    return statistics.median(values), values[max(0, int(round(0.95 * len(values))) - 1)]


latencies, lags, work, sandbox, failures = [], [], [], [], 0
for _ in range(n):
    start = time.perf_counter()
    status, run = call("POST", api + "/api/runs", body)
    assert status == 202, status
    while run["status"] in ("queued", "running"):
        time.sleep(0.005)
        _, run = call("GET", f"{api}/api/runs/{run['id']}")
    latencies.append((time.perf_counter() - start) * 1000)
    failures += run["status"] != "succeeded"
    # The run's own timestamps (server clocks): where the time went.
    lags.append(ms(run["startedAt"], run["createdAt"]))
    work.append(ms(run["finishedAt"], run["startedAt"]))
    sandbox.append(run["result"]["durationMs"])

print(f"API -> result (print(1)):          median {percentiles(latencies)[0]:.1f} ms, p95 {percentiles(latencies)[1]:.1f} ms "
      f"({n - failures} of {n} succeeded)")
for name, values in (("queue lag (accepted -> claimed)", lags), ("worker (claimed -> stored)", work),
                     ("of which sandbox execution", sandbox)):
    median, p95 = percentiles(values)
    print(f"  {name + ':':34} median {median:.1f} ms, p95 {p95:.1f} ms")
