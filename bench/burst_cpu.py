"""Summary for bench/burst-cpu.sh: per-process CPU from `top -b`, and on-CPU samples by innermost frame from
dotnet-trace's speedscope files (standard library only: no PyPI here).

Usage: python3 bench/burst_cpu.py TOP_OUTPUT SPEEDSCOPE_JSON...
"""
import collections
import json
import sys


def top_summary(path):
    """Mean %CPU per command over the samples in which the machine was busy (idle < 20 %)."""
    samples, current, idle = [], None, 100.0
    for line in open(path):
        if line.startswith("top -"):
            if current is not None and idle < 20:
                samples.append(current)
            current = collections.Counter()
        elif line.startswith("%Cpu"):
            idle = float(line.split(",")[3].split()[0])
        elif current is not None and line.strip()[:1].isdigit():
            fields = line.split()
            current[fields[11]] += float(fields[8])
    if current is not None and idle < 20:
        samples.append(current)
    totals = collections.Counter()
    for sample in samples:
        totals.update(sample)
    print(f"top: {len(samples)} busy samples; mean %CPU (200 = both cores):")
    for command, total in totals.most_common(8):
        print(f"  {command:<18} {total / len(samples):5.1f}")


def trace_summary(path, rows=6):
    """Share of the samples that were on CPU (the CPU_TIME pseudo-frame), by innermost managed frame."""
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    cpu = frames.index("CPU_TIME") if "CPU_TIME" in frames else -1
    innermost, total = collections.Counter(), 0.0
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            if last is not None and cpu in stack:
                spent = event["at"] - last
                frames_here = [f for f in stack if f != cpu]
                if frames_here:
                    innermost[frames[frames_here[-1]]] += spent
                total += spent
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack:
                stack.pop()
    print(f"{path.rsplit('/', 1)[-1]}: on-CPU samples by innermost frame")
    for name, spent in innermost.most_common(rows):
        print(f"  {spent / total * 100:5.1f} %  {name[:140]}")


top_summary(sys.argv[1])
for trace in sys.argv[2:]:
    trace_summary(trace)
