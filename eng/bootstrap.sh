#!/usr/bin/env bash
# Installs what the stack and its tests need on a Debian 12 machine of our kind
# (root, no Docker, registries only). A quick no-op when everything is present.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Services the AppHost runs as host executables when there is no container runtime.
have redis-server || need_apt+=(redis-server)
have_pkg postgresql-15 || need_apt+=(postgresql-15)
# The sandbox: bubblewrap for isolation, Debian's python3 with the scientific stack.
have bwrap || need_apt+=(bubblewrap)
have prlimit || need_apt+=(util-linux)
# The tests compute TOTP codes independently with oathtool (as an authenticator app would).
have oathtool || need_apt+=(oathtool)
# Optional for the product (the sandbox detects it), installed here so the R path is tested: 26 MB without recommends.
have_pkg r-base-core || need_apt+=(r-base-core)
for p in python3-numpy python3-pandas python3-scipy python3-biopython python3-matplotlib; do
  have_pkg "$p" || need_apt+=("$p")
done
pgvector_control=/usr/share/postgresql/15/extension/vector.control
if [ ! -f "$pgvector_control" ]; then
  for p in postgresql-server-dev-15 build-essential dpkg-dev; do have_pkg "$p" || need_apt+=("$p"); done
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_apt[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts these as system services on install; the AppHost runs its own instances.
  for svc in redis-server postgresql; do
    (systemctl disable --now "$svc" || service "$svc" stop) >/dev/null 2>&1 || true
  done
fi

# pgvector is not packaged for Debian 12: build the source package of Debian's next release
# against our PostgreSQL 15, fetched through a private apt configuration that reuses the
# mirror this machine already trusts.
if [ ! -f "$pgvector_control" ]; then
  echo "bootstrap: building pgvector from Debian trixie sources"
  work=$(mktemp -d)
  mirror=$( (cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true) \
           | grep -oE '^(URIs:|deb) +[a-z]+://[^ ]+/debian/?( |$)' | head -n1 | awk '{print $2}')
  [ -n "$mirror" ] || { echo "bootstrap: cannot find the Debian mirror in apt sources" >&2; exit 1; }
  mkdir -p "$work/lists/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/sources.list"
  apt_opts=(-oAPT::Sandbox::User=root -oDir::Etc::SourceList="$work/sources.list" -oDir::Etc::SourceParts=/dev/null -oDir::State::Lists="$work/lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && apt-get "${apt_opts[@]}" source --download-only pgvector >/dev/null)
  (cd "$work" && dpkg-source -x --no-check pgvector_*.dsc src >/dev/null)
  make -s -C "$work/src" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
  make -s -C "$work/src" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config install >/dev/null
  rm -rf "$work"
fi

# PostgreSQL's binaries live outside PATH on Debian; the AppHost looks them up there too.
have dotnet || { echo "bootstrap: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
