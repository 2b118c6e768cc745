#!/usr/bin/env bash
# Make this machine able to build and test relon-build-backend, from nothing:
#   - system packages: a C compiler (links native libraries), Debian's rustc with the
#     wasm32 standard library (compiles host shims for wasm32) and lld (wasm-ld);
#   - a virtual environment (.venv, or $RELON_VENV) with the backend installed editable
#     plus its test dependencies.
# Idempotent: does nothing that is already done. Prints the path of the venv's python.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RELON_VENV:-$here/.venv}"

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
command -v rustc >/dev/null 2>&1 || [ -x /usr/bin/rustc ] || need_apt+=(rustc)
[ -d /usr/lib/rustlib/wasm32-unknown-unknown/lib ] || need_apt+=(rustc libstd-rust-dev-wasm32)
compgen -c | grep -qE '^wasm-ld(-[0-9]+)?$' || need_apt+=(lld)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "bootstrap: installing system packages: ${need_apt[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >&2
fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import relon_build_backend, llvmlite, wasmtime, pytest, build, numpy, auditwheel, uv" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q -U pip >&2
    "$venv/bin/python" -m pip install -q -e "$here[test]" >&2
fi
echo "$venv/bin/python"
