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

api, n = sys.argv[1].rstrip("/"), int(sys.argv[2])
body = json.dumps({"language": "python", "code": "print(1)", "timeoutSeconds": 30}).encode()


def call(method, url, data=None):
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", "X-Api-Key": os.environ["BIOAISAAS_API_KEY"]})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.load(response)


latencies, failures = [], 0
for _ in range(n):
    start = time.perf_counter()
    status, run = call("POST", api + "/api/runs", body)
    assert status == 202, status
    while run["status"] in ("queued", "running"):
        time.sleep(0.005)
        _, run = call("GET", f"{api}/api/runs/{run['id']}")
    latencies.append((time.perf_counter() - start) * 1000)
    failures += run["status"] != "succeeded"

latencies.sort()
p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
print(f"API -> result (print(1)):          median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms "
      f"({n - failures} of {n} succeeded)")
