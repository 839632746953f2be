#!/usr/bin/env bash
# Reproduces the RLIMIT_NPROC start failures noted in docs/benchmarks.md: N back-to-back launches of the
# SandboxHost's chain (prlimit --nproc=64 → setpriv → bwrap → python3 -c pass), the uid taking turns among
# UIDS uids, counting "bwrap: Can't fork for pid 1". Usage: bench/nproc-reuse.sh UIDS [N=200] (run as root).
set -uo pipefail
uids=${1:?how many uids take turns}
n=${2:-200}
failures=0
for i in $(seq 1 "$n"); do
  uid=$((200300 + i % uids))
  /usr/bin/prlimit --nproc=64 -- /usr/bin/setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs -- \
    /usr/bin/bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --ro-bind /usr /usr \
    --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \
    -- /usr/bin/python3 -I -c pass >/dev/null 2>&1 || failures=$((failures + 1))
done
echo "machine: $(nproc) cores; $(date -u +%Y-%m-%d); uids=$uids launches=$n failures=$failures"
