# Sourced by the device scripts (bench/device.sh, bench/device-check.sh) on a lent machine:
# unpacks the Node binary and production modules bench/device-prepare.sh packed, puts that
# Node first on PATH, sets `out` to $OUT (where results come back) and says what machine it is.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
xz -d -c .node/node.xz > .node/node && chmod +x .node/node
tar xJf .node/nm.tar.xz
export PATH="$PWD/.node:$PATH"
out=${OUT:-$(mktemp -d)}
echo "$(nproc) cores, node $(node --version), $(date -u +%FT%TZ)" | tee "$out/machine.txt"
