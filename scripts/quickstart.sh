#!/usr/bin/env bash
# The main job end to end on the embedded default (no cluster, no registry): a new filter project is
# initialised, built, tested in the host emulator, run once, pushed as an Istio-loadable OCI image into an
# OCI image layout directory, and deployed as a WasmPlugin manifest pinned to that image's digest.
# Usage: scripts/quickstart.sh [work-dir]   (default: a new temporary directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
cli() { node "$root/bin/as-proxy-wasm.js" "$@"; }
step() { printf '\n==> %s\n' "$*"; }

[ -f "$root/dist/cli/index.js" ] || (cd "$root" && npm run --silent build:ts)

step "init $work/my-filter"
cli init "$work/my-filter" --template add-header
cd "$work/my-filter"

step "npm install (links this repository's SDK)"
npm install --no-audit --no-fund --loglevel=error

step "build"
npm run --silent build

step "test (the project's own tests, in the host emulator)"
npm test --silent

step "run one request through the filter"
cli run build/plugin.wasm

step "push to the OCI image layout $work/oci (tag v1)"
cli push build/plugin.wasm "$work/oci:v1" --oci-layout --json | tee "$work/push.json"

step "manifest wasmplugin pinned to the pushed digest -> $work/wasmplugin.yaml"
cli manifest wasmplugin --image registry.example.com/filters/my-filter:v1 --oci-layout "$work/oci:v1" \
  --config @config.example.json -o "$work/wasmplugin.yaml"
cat "$work/wasmplugin.yaml"
printf '\nDone: project %s, image layout %s, manifest %s\n' "$work/my-filter" "$work/oci" "$work/wasmplugin.yaml"
