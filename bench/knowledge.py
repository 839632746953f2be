"""Client side of bench/knowledge.sh (standard library only: no PyPI here)."""
import json
import os
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid

api, chunks, n = sys.argv[1].rstrip("/"), int(sys.argv[2]), int(sys.argv[3])
key = os.environ["BIOAISAAS_API_KEY"]
random.seed(7)
GENES = ["BRCA1", "BRCA2", "TP53", "PALB2", "ATM", "CHEK2", "PTEN", "KRAS", "EGFR", "MYC", "CDK4", "RB1"]
VERBS = ["regulates", "binds", "phosphorylates", "represses", "stabilises", "recruits"]
TOPICS = ["DNA repair", "the cell cycle", "apoptosis", "homologous recombination", "chromatin remodelling", "transcription"]


def request(method, path, body=None, headers=None):
    all_headers = {"X-Api-Key": key, **(headers or {})}
    req = urllib.request.Request(api + path, data=body, method=method, headers=all_headers)
    with urllib.request.urlopen(req, timeout=600) as response:
        return json.load(response)


def paragraph(i):
    gene, other = random.sample(GENES, 2)
    sentences = [f"Passage {i}: {gene} {random.choice(VERBS)} {other} during {random.choice(TOPICS)}."]
    while sum(len(s) for s in sentences) < 850:
        sentences.append(f"In experiment {random.randint(1, 10**6)}, {random.choice(GENES)} {random.choice(VERBS)} "
                         f"{random.choice(GENES)} in {random.choice(TOPICS)} with a fold change of {random.uniform(0.2, 8):.2f}.")
    return " ".join(sentences)


project = request("POST", "/api/projects", json.dumps({"name": "bench"}).encode(), {"Content-Type": "application/json"})["id"]
text = "\n\n".join(paragraph(i) for i in range(chunks)).encode()
boundary = uuid.uuid4().hex
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"corpus.txt\"\r\n"
        f"Content-Type: text/plain\r\n\r\n").encode() + text + f"\r\n--{boundary}--\r\n".encode()
start = time.perf_counter()
document = request("POST", f"/api/projects/{project}/documents", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
while document["status"] not in ("ready", "failed"):
    time.sleep(0.2)
    document = request("GET", f"/api/projects/{project}/documents/{document['id']}")
elapsed = time.perf_counter() - start
probe = request("GET", f"/api/projects/{project}/knowledge/search?q=Passage&k=50&mode=text")
print(f"ingestion: {len(text) / 1e6:.1f} MB text, status {document['status']}, {elapsed:.1f} s upload -> ready, "
      f"about {chunks / elapsed:.0f} chunks/s (~{chunks} chunks of <= 1,000 characters)")

latencies = []
for i in range(n):
    q = f"{random.choice(GENES)} {random.choice(VERBS)} {random.choice(GENES)} in {random.choice(TOPICS)}"
    t = time.perf_counter()
    request("GET", f"/api/projects/{project}/knowledge/search?q={urllib.parse.quote(q)}&k=10")
    latencies.append((time.perf_counter() - t) * 1000)
latencies.sort()
print(f"hybrid search over HTTP, k=10, {chunks} chunks: p50 {statistics.median(latencies):.1f} ms, "
      f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms (n={n}; includes embedding the query)")
