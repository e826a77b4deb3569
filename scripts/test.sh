#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (npm packages; OVN and Prometheus
# from Debian when run as root), then lint, type check and every test (real OVN, real Prometheus).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A debs=(
  [ovn-trace]=ovn-common [ovn-nbctl]=ovn-common [ovn-northd]=ovn-central
  [ovsdb-server]=openvswitch-common [ovsdb-tool]=openvswitch-common [ovs-appctl]=openvswitch-common
  [prometheus]=prometheus [promtool]=prometheus
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

echo "test: lint"
npx biome check .
echo "test: type check"
npx tsc --noEmit
echo "test: vitest"
npx vitest run "$@"
