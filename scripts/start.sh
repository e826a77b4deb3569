#!/usr/bin/env bash
# `npm start`: installs the npm packages on first use, then runs the daemon with config/ovncp.yaml
# (the embedded demo network unless that file names an NB database or a snapshot file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
echo "ovncp-monitor: starting on the demo network; try http://127.0.0.1:9477/metrics and /-/ready" >&2
exec bin/ovncp-monitor serve --config.file config/ovncp.yaml --log.format=pretty "$@"
