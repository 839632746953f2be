#!/usr/bin/env bash
# What the seccomp filter (and the /bin/sh that hands it to bubblewrap) adds to starting an execution:
# the SandboxHost's launch chain for `python3 -c pass`, with and without the filter, interleaved so that
# machine noise hits both equally. Uses the filter the SandboxHost writes (start the stack first, or pass a
# filter file). Usage: bench/seccomp-overhead.sh [N=100] [FILTER=/tmp/bioaisaas-seccomp-*.bpf]
# RLIMIT_NPROC is left out: with --nproc=64, one uid launching back to back got "bwrap: Can't fork for pid 1:
# Resource temporarily unavailable" now and then (see docs/benchmarks.md).
set -euo pipefail
n=${1:-100}
filter=${2:-$(ls -t /tmp/bioaisaas-seccomp-*.bpf 2>/dev/null | head -n1 || true)}
[ -n "$filter" ] && [ -f "$filter" ] || { echo "no filter file: start the stack (./run.sh) or pass one" >&2; exit 1; }

bwrap_args=(--unshare-all --die-with-parent --new-session --cap-drop ALL --ro-bind /usr /usr
  --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp)
without() { /usr/bin/prlimit --nofile=256 -- /usr/bin/setpriv --reuid=200250 --regid=200250 --clear-groups --no-new-privs -- \
  /usr/bin/bwrap "${bwrap_args[@]}" -- /usr/bin/python3 -I -c pass; }
with() { /bin/sh -c 'exec "$@" 9<"$0"' "$filter" /usr/bin/prlimit --nofile=256 -- /usr/bin/setpriv --reuid=200250 --regid=200250 \
  --clear-groups --no-new-privs -- /usr/bin/bwrap "${bwrap_args[@]}" --seccomp 9 -- /usr/bin/python3 -I -c pass; }

a=(); b=()
for _ in $(seq 1 "$n"); do
  t=$(date +%s%N); without; a+=($(( ($(date +%s%N) - t) / 1000 )))
  t=$(date +%s%N); with; b+=($(( ($(date +%s%N) - t) / 1000 )))
done
stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {printf "median %.1f ms, p95 %.1f ms", v[int((NR+1)/2)]/1000, v[int(NR*0.95+0.5)]/1000}'; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); $n interleaved launches each"
echo "without seccomp: $(stats "${a[@]}")"
echo "with seccomp:    $(stats "${b[@]}")"
