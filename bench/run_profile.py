"""Client side of bench/run-profile.sh: the gaps between one workflow run's events, from their database timestamps."""
import json, os, sys, time, urllib.request
from datetime import datetime
api=sys.argv[1].rstrip('/'); key=os.environ["BIOAISAAS_API_KEY"]
def req(m,p,b=None):
    r=urllib.request.Request(api+p,data=None if b is None else json.dumps(b).encode(),method=m,headers={"X-Api-Key":key,"Content-Type":"application/json"})
    with urllib.request.urlopen(r) as x: return json.load(x)
proj=req("POST","/api/projects",{"name":"p"})["id"]
W={"workflow":{"steps":[{"id":"rc","kind":"tool","tool":"reverse_complement","arguments":{"sequence":"ATGC"}}]}}
for i in range(30):
    rid=req("POST",f"/api/projects/{proj}/runs",W)["id"]
    while req("GET",f"/api/runs/{rid}")["status"]!="succeeded": time.sleep(0.005)
run=req("GET",f"/api/runs/{rid}")
r=urllib.request.Request(api+f"/api/runs/{rid}/events",headers={"X-Api-Key":key})
evs=[]
with urllib.request.urlopen(r) as x:
    t=None
    for raw in x:
        l=raw.decode().rstrip("\n")
        if l.startswith("event: "): t=l[7:]
        if l.startswith("data: "): evs.append((t,json.loads(l[6:])["timestamp"]))
p=lambda s: datetime.fromisoformat(s.replace("Z","+00:00")).timestamp()*1000
c,s,f=p(run["createdAt"]),p(run["startedAt"]),p(run["finishedAt"])
print(f"created->started {s-c:.1f} ms")
prev=s
for t,ts in evs: print(f"{t:20s} +{ts-prev:6.1f} ms"); prev=ts
print(f"last event -> finished +{f-prev:.1f} ms")
