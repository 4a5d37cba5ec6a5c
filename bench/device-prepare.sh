#!/usr/bin/env bash
# Packs what a lent device machine (no Node, no network) needs into .node/ (ignored by git):
# this Node binary and the production node_modules. Then, with the device tool:
#   run(command="bash bench/device.sh", carry=[".node", "dist"], timeout_s=540)
# Build first (npx tsc -p .): dist/ travels as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .node
xz -T0 -c "$(command -v node)" > .node/node.xz
work=$(mktemp -d)
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund > /dev/null)
tar -C "$work" -cJf .node/nm.tar.xz node_modules
rm -rf "$work"
ls -la .node
